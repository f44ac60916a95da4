import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

@Suite struct DataPhaseTests {
    func figures(_ c: Connection, _ index: Int) -> [String: DirectionFigures.Value] {
        Dictionary(uniqueKeysWithValues: DirectionFigures.figures(c, index).map { ($0.name, $0.value) })
    }

    func number(_ v: DirectionFigures.Value?) -> Double? {
        switch v {
        case .int(let i)?: Double(i)
        case .number(let d)?: d
        default: nil
        }
    }

    @Test func perAckRTTWithKnownDelaysAndKarn() throws {
        // Handshake 1 ms apart; data at t, its ACK 5 ms later; data, ACK 7 ms later; data sent twice (the
        // second copy 20 ms later), its ACK 1 ms after the copy: no sample (Karn's rule).
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server, after: 4_000_000)
        f.data(.client, 100)
        f.ack(.server, after: 6_000_000)
        f.data(.client, 100)
        f.data(.client, 100, seq: 1201, after: 19_000_000)
        f.ack(.server)
        let a = try Analyzer.analyze(bytes: f.bytes)
        let c = try #require(a.connections.first)
        let rtt = c.client.stats.rtt
        #expect(rtt.count == 2)
        #expect(abs(rtt.min - 0.005) < 1e-9 && abs(rtt.max - 0.007) < 1e-9)
        #expect(abs(rtt.mean - 0.006) < 1e-9)
        #expect(abs(rtt.standardDeviation - 0.0014142135623730952) < 1e-9)
        #expect(abs(rtt.quantile(0.5) - 0.005) < 1e-6 && abs(rtt.quantile(0.95) - 0.007) < 1e-6)
        #expect(c.findings.map(\.code).contains(.retransmission))
        #expect(c.client.stats.retransmittedPackets == 1 && c.client.stats.retransmittedBytes == 100)
        #expect(c.client.stats.uniqueBytes == 300 && c.client.payloadBytes == 400)
    }

    @Test func handshakeRTTIsTheFrameTimeDifference() throws {
        // close-4way-client-first.pcap: SYN at 0.000000, SYN-ACK at 0.000032, ACK at 0.000044 (README listing).
        let c = try #require(try Analyzer.analyze(paths: [fixture("close-4way-client-first.pcap")]).connections.first)
        let client = figures(c, c.clientIndex), server = figures(c, c.serverIndex)
        #expect(abs((number(client["handshake_rtt"]) ?? -1) - 0.000032) < 1e-9)
        #expect(abs((number(server["handshake_rtt"]) ?? -1) - 0.000012) < 1e-9)
        #expect(number(client["payload_bytes"]) == 100 && number(server["payload_bytes"]) == 200)
        #expect(number(client["pure_acks"]) == 3)  // frames 3, 7 and 11
    }

    @Test func outOfOrderFiguresFromThePackets() throws {
        let c = try #require(try Analyzer.analyze(paths: [fixture("synthetic/out-of-order.pcap")]).connections.first)
        let client = figures(c, c.clientIndex)
        #expect(number(client["payload_packets"]) == 3)
        #expect(number(client["unique_bytes"]) == 300)
        #expect(number(client["out_of_order_packets"]) == 1)
        #expect(number(client["retransmitted_packets"]) == 0)
        #expect(number(client["gap_bytes"]) == 0)  // the hole was filled
        #expect(number(client["initial_window"]) == 65535)
        #expect(number(client["window_max"]) == 8_388_480.0)  // 65535 × 2^7: window scale 7 on both SYNs
    }

    @Test func csvParsesWithPythonAndMatchesJSON() throws {
        guard (try? runCLI(["python3", "-c", "pass"], executable: "/usr/bin/env"))?.status == 0 else {
            print("csvParsesWithPythonAndMatchesJSON skipped: python3 is not installed"); return
        }
        let capture = fixture("synthetic/out-of-order.pcap")
        let csv = try runCLI(["analyze", capture, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("id,client_address,client_port,server_address,server_port,first_frame,"))
        let path = try temporaryFile(Array(csv.stdout.utf8), name: "x.csv")
        let script = """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline='')))
            print(json.dumps({"n": len(rows), "start": rows[0]["start"], "ooo": rows[0]["client_out_of_order_packets"],
                              "unique": rows[0]["client_unique_bytes"], "rtt": rows[0]["client_rtt_max"],
                              "findings": rows[0]["findings"]}))
            """
        let parsed = try runCLI(["python3", "-c", script, path], executable: "/usr/bin/env")
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let row = try JSONNode.parse(parsed.stdout)
        let json = try JSONNode.parse(try runCLI(["analyze", capture, "--format", "json"]).stdout)
        guard case .array(let connections)? = json["connections"] else { Issue.record("no connections"); return }
        let stats = connections[0]["stats"]?["client"]
        #expect(row["n"] == .integer(1))
        #expect(row["start"] == .string("1700000000.000000000"))  // all nine digits, leading zeros kept
        #expect(row["ooo"] == .string("1") && stats?["out_of_order_packets"] == .integer(1))
        #expect(row["unique"] == .string("300") && stats?["unique_bytes"] == .integer(300))
        if case .number(let max)? = stats?["rtt_max"], case .string(let text)? = row["rtt"] {
            #expect(abs(Double(text)! - max) < 1e-12)
        } else {
            Issue.record("rtt_max missing")
        }
        #expect(row["findings"] == .string("lost-segment@5 out-of-order@6"))
    }

    @Test func longTextHasBothDirections() throws {
        let r = try runCLI(["analyze", fixture("synthetic/out-of-order.pcap"), "--long"])
        #expect(r.stdout.contains("client → server") && r.stdout.contains("server → client"))
        let row = r.stdout.split(separator: "\n").first { $0.hasPrefix("  out of order packets:") }
        #expect(row?.split(separator: " ").suffix(2) == ["1", "0"])
    }
}

/// The real-kernel data-phase captures against tshark's expert analysis (Fixtures/NAME.tshark.tsv): the
/// frames each classifies must be the same, except the listed cases where tshark is wrong.
@Suite struct DataPhaseTsharkTests {
    static let categories: [(tshark: String, ours: Set<FindingCode>)] = [
        ("retransmission", [.retransmission, .fastRetransmission, .spuriousRetransmission]),
        ("fast_retransmission", [.fastRetransmission]), ("spurious_retransmission", [.spuriousRetransmission]),
        ("out_of_order", [.outOfOrder]), ("lost_segment", [.lostSegment]), ("ack_lost_segment", [.ackUnseenSegment]),
        ("duplicate_ack", [.duplicateAck]), ("zero_window", [.zeroWindow]), ("zero_window_probe", [.zeroWindowProbe]),
        ("window_full", [.windowFull]), ("keep_alive", [.keepAlive]),
    ]

    /// Where we differ from tshark, and why we are right. Key: "file category frame".
    static let documented: [String: String] = [
        // A copy of data captured before is a retransmission whatever the time since the last segment; tshark
        // calls it out-of-order because it came within its RTT window of the previous segment.
        "bulk-loss-after.pcap out_of_order 96":
            "41993 was captured at its first sending; this is the copy after the SACKed loss",
        "bulk-loss-after.pcap out_of_order 102": "copy of data captured before",
        "bulk-loss-after.pcap out_of_order 104": "copy of data captured before",
        "bulk-loss-after.pcap out_of_order 236": "copy of data captured before",
        "bulk-loss-after.pcap out_of_order 317": "copy of data captured before",
        "bulk-loss-after.pcap out_of_order 328": "copy of data captured before",
        // Filling a hole opened long before (frames 130 and 165), after duplicate ACKs reported it: the original
        // was lost in the router, so this is its retransmission, not a reordering.
        "bulk-loss-mid.pcap out_of_order 201": "fills the hole opened at frame 130, 70 segments later",
        "bulk-loss-mid.pcap out_of_order 263": "fills the hole opened at frame 165",
        // Holes opened at frames 293 and 297 and reported by the receiver's SACK blocks (frames 360-368) before
        // these segments filled them 16 ms later: the receiver was waiting for them, so they were resent.
        "bulk-loss-mid.pcap out_of_order 369": "SACK blocks 244225-248569 reported the hole at 242777 first",
        "bulk-loss-mid.pcap out_of_order 371": "SACK block up to 248569 reported the hole at 247121 first",
        // Linux's persist-timer probe is an empty segment at SND.UNA - 1 sent while the peer advertises 0: a
        // zero-window probe, which tshark reports as a keep-alive.
        "zero-window.pcap keep_alive 12": "the peer advertised window 0 at frame 11",
        "zero-window.pcap keep_alive 14": "window still 0 (frame 13)",
        "zero-window.pcap keep_alive 15": "window still 0 (frame 13)",
    ]

    @Test(arguments: ["bulk-loss-mid.pcap", "bulk-loss-after.pcap", "zero-window.pcap", "keepalive.pcap"])
    func framesMatchTshark(_ name: String) throws {
        let table = try String(
            contentsOfFile: fixture(name.replacingOccurrences(of: ".pcap", with: ".tshark.tsv")),
            encoding: .utf8)
        let rows = table.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let header = rows[0].map {
            $0.replacingOccurrences(of: "#", with: "").replacingOccurrences(of: "tcp.analysis.", with: "")
        }
        let analysis = try Analyzer.analyze(paths: [fixture(name)])
        var ours: [FindingCode: Set<Int>] = [:]
        for c in analysis.connections { for f in c.findings { ours[f.code, default: []].insert(f.frame) } }
        var differences = 0
        for (category, codes) in Self.categories {
            let column = try #require(header.firstIndex(of: category), "\(category) column")
            let theirs = Set(
                rows.dropFirst().compactMap { r in column < r.count && !r[column].isEmpty ? Int(r[0]) : nil })
            let mine = codes.reduce(into: Set<Int>()) { $0.formUnion(ours[$1] ?? []) }
            for frame in theirs.symmetricDifference(mine) {
                differences += 1
                // A documented difference is listed under tshark's category where tshark flags the frame, or
                // under the category tshark used when we flag it as something else.
                let key = "\(name) \(category) \(frame)"
                let explained =
                    Self.documented[key] != nil
                    || Self.documented.keys.contains { $0.hasPrefix("\(name) ") && $0.hasSuffix(" \(frame)") }
                #expect(explained, "\(key): \(theirs.contains(frame) ? "tshark only" : "ours only")")
            }
        }
        print("\(name): \(differences) documented difference(s) from tshark")
    }
}
