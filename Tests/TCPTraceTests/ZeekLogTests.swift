import Foundation
import PcapSynth
import TCPTrace
import Testing

/// Community ID (the spec's published vectors) and Zeek's conn.log (`--format zeek`): every value below comes
/// from the spec, from the bytes a test wrote, or from tshark's reading of a fixture (the numbers quoted).
@Suite struct ZeekLogTests {
    private func endpoint(_ address: String, _ port: UInt16) throws -> Endpoint {
        Endpoint(address: try #require(IPAddress(address)), port: port)
    }

    /// The spec's baseline (baseline_deflt.json and baseline_seed1.json, the TCP entries), each recomputed by
    /// hand with Python's hashlib from the byte layout before it was written here; both directions give one ID.
    @Test func communityIDMatchesTheSpecVectors() throws {
        let v4 = (try endpoint("128.232.110.120", 34855), try endpoint("66.35.250.204", 80))
        let v6 = (
            try endpoint("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943), try endpoint("2607:f8b0:400c:c03::1a", 25)
        )
        for (seed, id4, id6) in [
            (UInt16(0), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="),
            (1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="),
        ] {
            #expect(CommunityID.string(v4.0, v4.1, seed: seed) == id4)
            #expect(CommunityID.string(v4.1, v4.0, seed: seed) == id4)
            #expect(CommunityID.string(v6.0, v6.1, seed: seed) == id6)
            #expect(CommunityID.string(v6.1, v6.0, seed: seed) == id6)
        }
        // Equal addresses: the ports decide the order (the loopback fixtures), and tshark agrees: its
        // communityid field on lo-ipv4.pcap frames 1-11 is 1:q/KTvzFvxIVXWkv+4mCw2VzPwyM=.
        let a = try endpoint("127.0.0.1", 40001), b = try endpoint("127.0.0.1", 8080)
        #expect(CommunityID.string(a, b, seed: 0) == "1:q/KTvzFvxIVXWkv+4mCw2VzPwyM=")
        #expect(CommunityID.string(b, a, seed: 0) == "1:q/KTvzFvxIVXWkv+4mCw2VzPwyM=")
    }

    /// The inner 4-tuple alone is hashed: connection 43002 of the nested-tunnels fixture runs in two tunnels
    /// (two connections, two tunnel parents) with one Community ID, and 43003 in a tunnel and outside one.
    @Test func oneFlowInTwoTunnelsHasOneCommunityID() throws {
        let a = try Analyzer.analyze(paths: [fixture("synthetic/tunnels-nested.pcap")])
        for port: UInt16 in [43002, 43003] {
            let flows = a.connections.filter { $0.client.endpoint.port == port }
            #expect(flows.count == 2)
            #expect(Set(flows.map { CommunityID.string($0, seed: 0) }).count == 1)
            let rows = flows.map { row($0) }
            #expect(rows[0][20] != rows[1][20], "two tunnel parents")
        }
    }

    private func row(_ c: Connection, seed: UInt16 = 0) -> [Substring] {
        var bytes: [UInt8] = []
        ZeekLog.appendRow(c, seed: seed, to: &bytes)
        #expect(bytes.last == UInt8(ascii: "\n"))
        return String(decoding: bytes.dropLast(), as: UTF8.self).split(
            separator: "\t", omittingEmptySubsequences: false)
    }

    /// bulk-loss-mid.pcap through the CLI (the streaming path). tshark on the fixture: client 10.99.1.2:41018
    /// sent 211 packets with ip.len summing to 310716, the server 163 summing to 10052; frame 1 at
    /// 1795618830.858140, the server's FIN (frame 373, the second endpoint to close) at 1795618831.002725,
    /// the client's FIN (frame 367) at relative sequence 299249 with 488 bytes: 299736 bytes of sequence space.
    @Test func connLogOfALossyTransfer() throws {
        let result = try runCLI(["analyze", "--format", "zeek", "--quiet", fixture("bulk-loss-mid.pcap")])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 10)
        #expect(lines[0] == "#separator \\x09")
        #expect(lines[1] == "#set_separator\t,")
        #expect(lines[2] == "#empty_field\t(empty)")
        #expect(lines[3] == "#unset_field\t-")
        #expect(lines[4] == "#path\tconn")
        #expect(lines[5] == "#open\t2026-11-25-15-00-30")
        let fields = lines[6].split(separator: "\t").dropFirst().map(String.init)
        let types = lines[7].split(separator: "\t").dropFirst().map(String.init)
        #expect(
            fields == [
                "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
                "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
                "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents", "community_id",
            ])
        #expect(types.count == fields.count)
        #expect(types[0] == "time" && types[8] == "interval" && types[20] == "set[string]")
        let row = lines[8].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        #expect(row.count == fields.count)
        let value = Dictionary(uniqueKeysWithValues: zip(fields, row))
        #expect(value["ts"] == "1795618830.858140")
        #expect(value["uid"]?.count == 17 && value["uid"]?.first == "C")
        #expect(value["id.orig_h"] == "10.99.1.2" && value["id.orig_p"] == "41018")
        #expect(value["id.resp_h"] == "10.99.2.2" && value["id.resp_p"] == "8080")
        #expect(value["proto"] == "tcp" && value["service"] == "-")
        #expect(value["duration"] == "0.144585")
        #expect(value["orig_bytes"] == "299736" && value["resp_bytes"] == "0")
        #expect(value["conn_state"] == "SF")
        #expect(value["local_orig"] == "-" && value["local_resp"] == "-")
        #expect(value["missed_bytes"] == "0")
        #expect(value["orig_pkts"] == "211" && value["orig_ip_bytes"] == "310716")
        #expect(value["resp_pkts"] == "163" && value["resp_ip_bytes"] == "10052")
        #expect(value["tunnel_parents"] == "-")
        // tshark --enable-protocol communityid on the fixture.
        #expect(value["community_id"] == "1:kmHi7Uy+O0JquwrIn0OvbzGaT6o=")
        #expect(lines[9] == "#close\t2026-11-25-15-00-31")
        // The same input, the same file (uids included); JSON's Community ID is the row's.
        let again = try runCLI(["analyze", "--format", "zeek", "--quiet", fixture("bulk-loss-mid.pcap")])
        #expect(again.stdout == result.stdout)
        let json = try runCLI(["analyze", "--format", "jsonl", "--quiet", fixture("bulk-loss-mid.pcap")])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["community_id"] as? String == value["community_id"])
        #expect(
            value["uid"]
                == ZeekLog.uid(
                    try #require(try Analyzer.analyze(paths: [fixture("bulk-loss-mid.pcap")]).connections.first)))
    }

    /// A byte-built transfer with 100 bytes never captured: the sequence-space extent counts them (1001 to
    /// the FIN at 1301: 300 bytes, 200 of them seen), missed_bytes is the hole, and the duration ends at the
    /// server's FIN, the packet that closed the second endpoint (7 ms after the SYN), not at the last ACK.
    /// `#open` is the first connection's start in whole seconds. A nanosecond capture whose only connection
    /// starts 300 ns before a whole second (1,700,000,000.999999700 s: 2023-11-14 22:13:20 UTC) opens at
    /// 22-13-20, although its row's `ts`, in microseconds, rounds up to the next second. (The conn.log sink is
    /// not rendered apart for this reason: `ZeekLogSink.rendersApart`.)
    @Test func openIsTheFirstStartInWholeSeconds() throws {
        var flow = FlowScript(
            start: 1_700_000_000_999_999_700, link: .raw,
            writer: PcapWriter(linkType: PcapWriter.Link.raw, nanosecond: true))
        flow.handshake()
        let result = try runCLI(["analyze", "--format", "zeek", "--quiet", try temporaryFile(flow.bytes)])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines[5] == "#open\t2023-11-14-22-13-20")
        #expect(lines[8].hasPrefix("1700000001.000000\t"))
    }

    @Test func bytesAreTheSequenceSpaceAndMissedBytesTheHoles() throws {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.data(.client, 100, seq: 1201)
        f.ack(.server, ack: 1301)
        f.fin(.client, seq: 1301)
        f.fin(.server, ack: 1302)
        f.ack(.client, seq: 1302, ack: 5002)
        let a = try Analyzer.analyze(bytes: f.bytes)
        let c = try #require(a.connections.first)
        #expect(c.client.payloadBytes == 200)
        let r = row(c)
        #expect(r.count == 22)
        #expect(r[8] == "0.007000")
        #expect(r[9] == "300" && r[10] == "0")
        #expect(r[11] == "SF")
        #expect(r[14] == "100")
        // The client's SYN and the server's SYN-ACK carry 12 bytes of options (MSS, SACK permitted, window
        // scale, padded): 52 bytes at the IP layer; every other segment 40 (20 IPv4 + 20 TCP), plus its payload.
        #expect(r[16] == "6" && r[17] == String(52 + 5 * 40 + 200))
        #expect(r[18] == "3" && r[19] == String(52 + 2 * 40))
    }

    /// IPv6 with a 600-byte destination-options header (more than the 508 bytes the pipeline's item holds
    /// inline): the IP-level bytes through the streaming run (the CLI) and the batch run are each packet's
    /// 40 + 600 bytes of IP headers and its TCP segment, as the bytes written say.
    @Test func longIPv6ExtensionHeadersCountInTheIPBytes() throws {
        var f = FlowScript(
            client: "fd00::1", server: "fd00::2", link: .wrapped(linkType: PcapWriter.Link.ipv6, wrap: { ip, _ in ip }))
        // PadN options filling 598 bytes of body: the header is 600 bytes.
        let padding: [UInt8] =
            [1, 253] + Array(repeating: 0, count: 253) + [1, 253] + Array(repeating: 0, count: 253) + [1, 86]
            + Array(repeating: 0, count: 86)
        f.ipv6ExtensionHeaders = [(60, padding)]
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.fin(.client)
        f.fin(.server)
        f.ack(.client)
        var expected: (client: Int, server: Int) = (0, 0)
        for p in RecordSplitter.records(f.bytes) {
            // Destination options (next header 60) of (74 + 1) * 8 = 600 bytes, then the TCP segment.
            #expect(p[6] == 60 && p[41] == 74 && p[40] == 6)
            let fromServer = p[8..<24] != ArraySlice(PacketBuilder.ipv6Bytes("fd00::1"))
            if fromServer { expected.server += p.count } else { expected.client += p.count }
        }
        let w = f.writer
        let path = try temporaryFile(w.bytes, name: "long-extension-header.pcap")
        let result = try runCLI(["analyze", "--format", "zeek", "--quiet", path])
        #expect(result.status == 0)
        let streamed = try #require(result.stdout.split(separator: "\n").first { !$0.hasPrefix("#") })
            .split(separator: "\t", omittingEmptySubsequences: false)
        #expect(streamed[17] == "\(expected.client)" && streamed[19] == "\(expected.server)")
        let batch = row(try #require(try Analyzer.analyze(bytes: w.bytes).connections.first))
        #expect(batch[17] == streamed[17] && batch[19] == streamed[19])
    }

    /// Zeek's start of each side's data (`init_endpoint`, `init_peer`) and its content gaps:
    /// - a capture of the client's side only (SYN, ACK, 10 bytes, the ACKs it sent for server data it never
    ///   showed): the server stays inactive, resp_bytes 0;
    /// - the server's first segment is a RST at sequence 0, then its SYN-ACK at 5000
    ///   (rst-unacceptable-syn-sent.pcap): its data starts again after the SYN-ACK, resp_bytes 0;
    /// - data lost and acknowledged (bytes 101-200, the ACK at 301): 100 missed; data lost and never
    ///   acknowledged before a RST (101-200, acknowledged to 101): none missed.
    @Test func dataStartsAndGapsAsZeekCountsThem() throws {
        var oneSided = FlowScript()
        oneSided.syn()
        oneSided.ack(.client, seq: 1001, ack: 5001)
        oneSided.data(.client, 10)
        oneSided.ack(.client, seq: 1011, ack: 9001)
        let c1 = try #require(try Analyzer.analyze(bytes: oneSided.bytes).connections.first)
        #expect(row(c1)[9] == "10" && row(c1)[10] == "0")

        let rstFirst = try #require(
            try Analyzer.analyze(paths: [fixture("synthetic/rst-unacceptable-syn-sent.pcap")]).connections.first)
        #expect(row(rstFirst)[10] == "0")

        var acked = FlowScript()
        acked.handshake()
        acked.data(.client, 100)
        acked.ack(.server, ack: 1201)
        acked.fin(.client, seq: 1201)
        acked.fin(.server, ack: 1202)
        acked.ack(.client, seq: 1202, ack: 5002)
        let c2 = try #require(try Analyzer.analyze(bytes: acked.bytes).connections.first)
        #expect(row(c2)[14] == "100" && row(c2)[9] == "200")

        var unacked = FlowScript()
        unacked.handshake()
        unacked.data(.client, 100)
        unacked.ack(.server, ack: 1101)
        unacked.data(.client, 100, seq: 1201)
        unacked.ack(.server, ack: 1101)
        unacked.rst(.client, seq: 1301)
        let c3 = try #require(try Analyzer.analyze(bytes: unacked.bytes).connections.first)
        #expect(row(c3)[14] == "0")
    }

    /// A lone SYN: Zeek's set_conn leaves duration, orig_bytes and resp_bytes unset when the duration is 0.
    @Test func aLoneSynLeavesDurationAndBytesUnset() throws {
        var f = FlowScript()
        f.syn()
        let c = try #require(try Analyzer.analyze(bytes: f.bytes).connections.first)
        let r = row(c)
        #expect(r[8] == "-" && r[9] == "-" && r[10] == "-")
        #expect(r[11] == "S0" && r[15] == "S")
        #expect(r[16] == "1" && r[17] == "52" && r[18] == "0" && r[19] == "0")
    }

    /// A connection picked up mid-stream (mid-stream.pcap, no SYN): its data starts at the first sequence
    /// number seen. tshark: the client's 15 segments of 50 bytes from seq 1067441445, then its FIN.
    @Test func aMidStreamConnectionCountsFromItsFirstSegment() throws {
        let a = try Analyzer.analyze(paths: [fixture("mid-stream.pcap")])
        let c = try #require(a.connections.first)
        let r = row(c)
        #expect(r[9] == "750" && r[10] == "0")
        #expect(r[11] == "SF")
    }

    /// Every fixture: each row has the 22 fields, uids are unique in each file (a file and its copy in
    /// another format, lo-ipv4.pcap and lo-ipv4.pcapng, have the same), the seed changes every Community ID
    /// and nothing else.
    @Test func everyFixtureRowIsWellFormed() throws {
        var rows = 0
        for path in try fixturePaths() {
            var uids = Set<Substring>()
            let analysis = try Analyzer.analyze(paths: [path])
            for c in analysis.connections {
                let r = row(c)
                let seeded = row(c, seed: 7)
                #expect(r.count == 22, "\(path) connection \(c.id)")
                #expect(r[21] != seeded[21])
                #expect(Array(r[0..<21]) == Array(seeded[0..<21]))
                uids.insert(r[1])
                rows += 1
            }
            #expect(uids.count == analysis.connections.count, "\(path)")
        }
        #expect(rows > 100)
    }

    private func fixturePaths() throws -> [String] {
        let root = fixture("") + "/"
        var paths: [String] = []
        for folder in ["", "synthetic/", "timing/"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root + folder)
            paths += names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map {
                root + folder + $0
            }
        }
        return paths
    }
}
