import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Tunnels (docs/tunnels.md) on the synthetic fixtures written by PcapSynth (`TunnelScenarios.swift`): each
/// connection is 9 packets (handshake, 100 bytes and their ACK, four-way close) inside its tunnel, and every
/// count and id below is one the scenario wrote into the bytes.
@Suite struct TunnelTests {
    func analysis(_ name: String, options: AnalysisOptions = AnalysisOptions()) throws -> Analysis {
        try Analyzer.analyze(paths: [fixture("synthetic/\(name)")], options: options)
    }

    func allComplete(_ a: Analysis) -> Bool {
        a.connections.allSatisfy {
            $0.handshakeOutcome == .complete && $0.closeKind == .fourWay && $0.client.payloadBytes == 100
                && $0.client.packets == 5 && $0.server.packets == 4 && $0.findings.isEmpty
        }
    }

    func counts(_ a: Analysis) -> [String] { a.input.encapsulationCounts.map { "\($0.name) \($0.segments)" } }

    /// The client's and the server's side of layer `i` of connection `c`.
    func layer(_ c: Connection, _ i: Int) throws -> (client: TunnelLayer, server: TunnelLayer) {
        let t = try #require(c.tunnels)
        let client = try #require(t.paths[c.clientIndex])
        let server = try #require(t.paths[c.serverIndex])
        return (client[i], server[i])
    }

    @Test func udpOverlaysCarryTheirConnections() throws {
        let a = try analysis("tunnels-udp.pcap")
        #expect(a.connections.map(\.client.endpoint.port) == [41001, 41002, 41003, 41004, 41005, 41006])
        #expect(allComplete(a))
        #expect(a.input.packets == 57 && a.input.tcpSegments == 54 && a.input.nonTCP == 3)
        #expect(counts(a) == ["vxlan 9", "geneve 9", "gtp-u 9", "teredo 18", "ayiya 9"])
        #expect(a.connections.allSatisfy { $0.key.tunnel != 0 })

        let vxlan = try layer(a.connections[0], 0)
        #expect(vxlan.client.kind == .vxlan && vxlan.client.vni == 100)
        #expect(vxlan.client.source == IPAddress("192.0.2.1") && vxlan.client.destination == IPAddress("192.0.2.2"))
        #expect(vxlan.client.sourcePort == 49001 && vxlan.server.sourcePort == 49002)
        #expect(vxlan.server.source == IPAddress("192.0.2.2"))
        #expect(try layer(a.connections[1], 0).client.vni == 200)  // Geneve, after its 8 bytes of options
        // GTP-U: one connection although the TEIDs differ per direction.
        let gtp = try layer(a.connections[2], 0)
        #expect(gtp.client.kind == .gtpU && gtp.client.directionalID == 0x1111 && gtp.server.directionalID == 0x2222)
        let teredo = try layer(a.connections[3], 0)
        #expect(teredo.client.kind == .teredo && teredo.client.sourcePort == 50000 && teredo.server.sourcePort == 3544)
        // Off its port, Teredo is recognised by the 2001:0::/32 address and the exact IPv6 length.
        #expect(try layer(a.connections[4], 0).client.sourcePort == 40123)
        #expect(try layer(a.connections[5], 0).client.kind == .ayiya)
    }

    @Test func damagedTunnelContentIsCountedUnderItsKind() throws {
        let a = try analysis("tunnels-udp.pcap")
        #expect(a.input.damagedTunnels == [.vxlan: TunnelDamage(truncated: 1, malformed: 0)])
        #expect(a.input.truncated == 0 && a.input.malformed == 0)
        let problem = try #require(a.input.problems.first)
        #expect(problem.frame == 55 && problem.tunnel == .vxlan && problem.isTruncation)
        #expect(problem.description == "in vxlan: ipv4 at byte 64: IPv4 header cut (needed 20 bytes, 12 available)")
        let text = TextReport.render(a, timelines: [])
        #expect(text.contains("damaged tunnel content (counted as non-TCP): vxlan: 1 truncated, 0 malformed\n"))
    }

    @Test func greErspanAndIPInIPCarryTheirConnections() throws {
        let a = try analysis("tunnels-gre.pcap")
        #expect(a.connections.map(\.client.endpoint.port) == Array(42001...42010))
        #expect(allComplete(a))
        #expect(a.input.tcpSegments == 90 && a.input.nonTCP == 0)
        #expect(counts(a) == ["mpls 9", "ppp 9", "gre 72", "erspan 27", "ip-in-ip 18"])
        let kinds = try a.connections.map { try layer($0, 0).client.kind }
        #expect(kinds == [.gre, .gre, .gre, .erspan, .erspan, .erspan, .ipInIP, .ipInIP, .gre, .gre])
        // GRE keys differ per direction (ikey 0x0A, okey 0x0B); PPTP's call ids; ERSPAN II and III sessions.
        let keys = try layer(a.connections[0], 0)
        #expect(keys.client.directionalID == 0x0A && keys.server.directionalID == 0x0B)
        let pptp = try layer(a.connections[8], 0)
        #expect(pptp.client.directionalID == 0x1234 && pptp.server.directionalID == 0x5678)
        #expect(try layer(a.connections[3], 0).client.directionalID == nil)  // ERSPAN type I has no header
        #expect(try layer(a.connections[4], 0).client.directionalID == 5)
        #expect(try layer(a.connections[5], 0).client.directionalID == 6)
        // A mirror session sends both directions from the switch to the collector.
        let mirror = try layer(a.connections[4], 0)
        #expect(mirror.server.source == IPAddress("192.0.2.20") && mirror.server.destination == IPAddress("192.0.2.21"))
        #expect(try layer(a.connections[1], 0).client.source == IPAddress("2001:db8:ff::1"))
    }

    @Test func theTunnelIsPartOfTheConnectionsIdentity() throws {
        let a = try analysis("tunnels-nested.pcap")
        #expect(a.connections.map(\.client.endpoint.port) == [43001, 43002, 43002, 43003, 43003, 43005])
        #expect(allComplete(a))
        // GRE inside VXLAN: two layers, outermost first.
        let t = try #require(a.connections[0].tunnels?.paths[a.connections[0].clientIndex])
        #expect(t.map(\.kind) == [.vxlan, .gre] && t[0].vni == 300 && t[1].source == IPAddress("172.16.0.1"))
        // One inner 4-tuple in VNI 400 and in VNI 401: two connections; plain and in IP in IP: two more.
        #expect(try layer(a.connections[1], 0).client.vni == 400)
        #expect(try layer(a.connections[2], 0).client.vni == 401)
        #expect(a.connections[1].key.tunnel != a.connections[2].key.tunnel)
        #expect(a.connections[3].key.tunnel == 0 && a.connections[3].tunnels == nil)
        #expect(a.connections[4].key.tunnel != 0)
        // Nine nested layers: more than 8, counted as malformed under the innermost kind followed.
        #expect(a.input.damagedTunnels == [.ipInIP: TunnelDamage(truncated: 0, malformed: 1)])
        #expect(counts(a) == ["vxlan 27", "geneve 9", "gre 9", "ip-in-ip 9"])
    }

    @Test func aVNIPerDirectionStaysOneConnection() throws {
        // 43005's client sends in Geneve VNI 11, its server answers in VNI 10: the answer finds no connection
        // by its key and joins the one of the same inner 4-tuple and tunnel endpoints that has not heard from
        // the server yet. 43002's two connections in VNI 400 and 401 stay apart: each side was heard in both.
        let a = try analysis("tunnels-nested.pcap")
        let c = try #require(a.connections.last)
        #expect(c.client.endpoint.port == 43005 && c.client.packets == 5 && c.server.packets == 4)
        let geneve = try layer(c, 0)
        #expect(geneve.client.vni == 11 && geneve.server.vni == 10)
        #expect(TextReport.long(c).contains("tunnel (outermost first, as the client sent): geneve vni 11/10 "))
        var out: [UInt8] = []
        JSONReport.writeConnection(c, options: AnalysisOptions(), pretty: false, indent: 0, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains(#""tunnel":[{"kind":"geneve","vni":11,"client":{"source":"192.0.2.5""#))
        #expect(text.contains(#""server":{"vni":10,"source":"192.0.2.6""#))
    }

    @Test func bothDirectionsOfATunnelShareOneIdentity() throws {
        // The registry gives both directions one identity (unordered outer pair) and two paths (ordered).
        let registry = TunnelRegistry()
        let frames = PcapWriter.records(scenario("tunnels-udp")).map(\.0)
        var ids: [(UInt32, UInt32)] = []
        for frame in frames.prefix(2) {  // 41001's SYN (client → server) and 41002's SYN
            var segment = Segment.empty
            frame.withUnsafeBytes { bytes in
                _ = PacketDecoder.decode(bytes, linkType: .ethernet, into: &segment)
                ids.append(registry.intern(bytes, segment.tunnelMarks))
            }
        }
        // Frame 6 is 41001's SYN-ACK: the six SYNs come 0.2 ms apart, its answer 1 ms after its SYN and before
        // 41006's SYN at the same time (scripts merge in order).
        var segment = Segment.empty
        frames[5].withUnsafeBytes { bytes in
            _ = PacketDecoder.decode(bytes, linkType: .ethernet, into: &segment)
            ids.append(registry.intern(bytes, segment.tunnelMarks))
        }
        #expect(ids[0].0 == ids[2].0 && ids[0].1 != ids[2].1)  // same identity, another path
        #expect(ids[1].0 != ids[0].0)  // Geneve between other endpoints
        #expect(registry.count == 3)
    }

    /// A VXLAN (VNI `vni`) or, with `back`, Geneve connection whose server answers under VNI `back`.
    static func overlay(vni: UInt32, back: UInt32? = nil, offset: Int64, isn: UInt32 = 1000) -> FlowScript {
        typealias S = SyntheticScenarios
        return S.tunnelled(clientPort: 46001, offset: offset, clientISN: isn) { ip, c in
            let id = c ? vni : back ?? vni
            let header: [UInt8] =
                back == nil ? S.vxlan(id) : [0x00, 0x00, 0x65, 0x58] + PacketBuilder.be32(id << 8)
            return S.frame(
                S.outer(
                    "192.0.2.1", "192.0.2.2", c, proto: 17,
                    S.udp(c ? 49001 : 49002, back == nil ? 4789 : 6081, header + S.frame(ip))))
        }
    }

    @Test func timeWaitIsPerTunnel() throws {
        // One 4-tuple closed in VNI 400 (its client holds TIME_WAIT; finalized after its linger, a record keeps
        // the 2·MSL window), then opened 2 s later in VNI 401 with a new ISN: another connection, not a reuse of
        // the first's TIME_WAIT. Then, 2 s later again, in VNI 400 with a new ISN: that one reuses it.
        // (A plain SYN at 1 s and its retransmission at 1.5 s give the tracker a sweep whose clock, the earlier of
        // the last two segments' times, is past the first connection's linger: it is finalized before the second.)
        let sweep = SyntheticScenarios.frame(Self.syn)
        let bytes = SyntheticScenarios.merged(
            [
                Self.overlay(vni: 400, offset: 0), Self.overlay(vni: 401, offset: 2_000_000_000, isn: 50_000),
                Self.overlay(vni: 400, offset: 4_000_000_000, isn: 90_000),
            ], extra: [(sweep, 1_700_000_001_000_000_000), (sweep, 1_700_000_001_500_000_000)])
        let a = try analyze(bytes)
        #expect(a.connections.count == 4)
        let second = a.connections[2], third = a.connections[3]
        #expect(second.key.tunnel != a.connections[0].key.tunnel && second.findings.isEmpty)
        #expect(third.key.tunnel == a.connections[0].key.tunnel && third.findings.map(\.code) == [.timeWaitReuse])
        #expect(a.connections[0].reusedAfter != nil)
    }

    @Test func aNewIncarnationOfAVNIPairedConnectionTakesBothKeys() throws {
        // Geneve VNI 11 out, 10 back; 20 ms after its close the client opens again with a new ISN: the server's
        // SYN-ACK under VNI 10 goes to the new connection, not to the old one.
        let bytes = SyntheticScenarios.merged([
            Self.overlay(vni: 11, back: 10, offset: 0),
            Self.overlay(vni: 11, back: 10, offset: 20_000_000, isn: 90_000),
        ])
        let a = try analyze(bytes)
        #expect(a.connections.count == 2)
        #expect(a.connections.allSatisfy { $0.client.packets == 5 && $0.server.packets == 4 })
        #expect(a.connections.allSatisfy { $0.handshakeOutcome == .complete && $0.closeKind == .fourWay })
    }

    @Test func tunnelPortAddsAPort() throws {
        // VXLAN moved to port 8472 (Linux's old default): plain UDP until the port is given.
        let moved = SyntheticScenarios.tunnelled(clientPort: 45001, offset: 0) { ip, c in
            SyntheticScenarios.frame(
                SyntheticScenarios.outer(
                    "192.0.2.1", "192.0.2.2", c, proto: 17,
                    SyntheticScenarios.udp(
                        c ? 50001 : 50002, 8472, SyntheticScenarios.vxlan(7) + SyntheticScenarios.frame(ip))))
        }
        #expect(try analyze(moved.bytes).connections.isEmpty)
        var options = AnalysisOptions()
        let added = options.tunnelPorts.add(.vxlan, port: 8472)
        #expect(added)
        let a = try Analyzer.analyze(bytes: moved.bytes, options: options)
        #expect(a.connections.count == 1 && allComplete(a))
        #expect(try layer(a.connections[0], 0).client.vni == 7)
        let r = try runCLI(["analyze", "--tunnel-port", "vxlan=8472", "-"], stdin: Data(moved.bytes))
        #expect(r.status == 0 && r.stdout.contains("1*"))
        let bad = try runCLI(["analyze", "--tunnel-port", "gre=1", fixture("synthetic/textbook.pcap")])
        #expect(bad.status == 2 && bad.stderr.contains("expected KIND=PORT"))
    }

    @Test func jsonListsTheTunnelPerConnection() throws {
        let r = try runCLI(["analyze", fixture("synthetic/tunnels-gre.pcap"), "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let connections = try #require(doc["connections"] as? [[String: Any]])
        let first = try #require((connections[0]["tunnel"] as? [[String: Any]])?.first)
        #expect(first["kind"] as? String == "gre")
        let client = try #require(first["client"] as? [String: Any])
        #expect(client["source"] as? String == "192.0.2.10" && client["key"] as? Int == 10)
        #expect((first["server"] as? [String: Any])?["key"] as? Int == 11)
        let input = try #require(doc["input"] as? [String: Any])
        #expect((input["encapsulations"] as? [String: Int])?["erspan"] == 27)
        #expect((input["damaged_tunnels"] as? [String: Any])?.isEmpty == true)
        #expect(input["capture_duplicates"] as? Int == 0)
        let plain = try runCLI(["analyze", fixture("synthetic/textbook.pcap"), "--format", "json"])
        #expect(!plain.stdout.contains("\"tunnel\""))
    }

    @Test func aCopyOnAnotherInterfaceIsACaptureDuplicate() throws {
        let a = try analysis("two-interface-copies.pcapng")
        #expect(a.connections.count == 2 && a.input.captureDuplicates == 9)
        let copied = a.connections[0]
        // Every segment seen twice: 9 tracked (interface 0), 9 counted as copies; no retransmission.
        #expect(copied.client.packets == 5 && copied.server.packets == 4 && copied.findings.isEmpty)
        #expect(copied.interfaces == [0, 1] && copied.captureDuplicates == 9)
        // The same segment again on the same interface 200 ms later is a retransmission, after 200 ms of
        // silence with no duplicate ACK: a timeout's (docs/timing.md).
        let resent = a.connections[1]
        #expect(resent.interfaces == [1] && resent.captureDuplicates == 0)
        #expect(resent.findings.map(\.code) == [.retransmission, .rtoStall])
    }

    @Test func eachConnectionShowsItsInterfaceInACaptureWithSeveral() throws {
        // three-interfaces.pcapng writes client port 40000 on interface 0, 40001 on 1, 40002 on 2.
        let a = try analysis("three-interfaces.pcapng")
        #expect(a.connections.map(\.interfaces) == [[0], [1], [2]])
        #expect(TextReport.long(a.connections[1]).contains("  interfaces: 1, capture duplicates 0\n"))
        // A capture with one interface records none.
        #expect(try analysis("tunnels-gre.pcap").connections.allSatisfy { $0.interfaceMask == 0 })
    }

    @Test func everyPrefixOfATunnelledFrameDecodesWithoutAnOverRead() throws {
        // Every prefix of every frame, each decoded TCP segment interned and checked for copies as the reader
        // does: a read past the bytes stops a debug build (the byte readers assert their bounds). The whole
        // frames give back the scenarios' TCP segments.
        var whole = 0
        for name in ["tunnels-udp", "tunnels-gre", "tunnels-nested"] {
            let registry = TunnelRegistry()
            var copies = CaptureDuplicates(interfaces: 2)
            for frame in PcapWriter.records(scenario(name)).map(\.0) {
                for length in 0...frame.count {
                    Array(frame.prefix(length)).withUnsafeBytes { bytes in
                        var segment = Segment.empty
                        guard case .tcp = PacketDecoder.decode(bytes, linkType: .ethernet, into: &segment) else {
                            return
                        }
                        if segment.tunnelMarks.count > 0 {
                            (segment.tunnel, segment.tunnelPath) = registry.intern(bytes, segment.tunnelMarks)
                            segment.tunnelSourcePort = TunnelRegistry.outerSourcePort(bytes, segment.tunnelMarks)
                        }
                        _ = copies.mark(&segment, bytes, interface: 1, at: Timestamp(nanoseconds: 0))
                        if length == frame.count { whole += 1 }
                    }
                }
            }
        }
        #expect(whole == 54 + 90 + 54)
    }

    /// The IPv4 packet of one SYN, 10.0.0.1:45000 → 10.0.0.2:80.
    static let syn = PacketBuilder.ipv4(
        source: "10.0.0.1", destination: "10.0.0.2",
        payload: PacketBuilder.tcp(
            sourcePort: 45000, destinationPort: 80, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn))

    /// Decodes an Ethernet frame and reads its tunnel layers back.
    func layers(_ frame: [UInt8]) -> (DecodeOutcome, [TunnelLayer]) {
        frame.withUnsafeBytes { bytes in
            var segment = Segment.empty
            _ = PacketDecoder.decode(bytes, linkType: .ethernet, into: &segment)
            let layers = (0..<Int(segment.tunnelMarks.count)).map { TunnelLayer(bytes, mark: segment.tunnelMarks[$0]) }
            return (PacketDecoder.decode(bytes, linkType: .ethernet), layers)
        }
    }

    func isTCP(_ outcome: DecodeOutcome) -> Bool { if case .tcp = outcome { true } else { false } }

    @Test func optionalFieldsMoveWhatFollows() throws {
        typealias S = SyntheticScenarios
        // GRE with checksum and key: the key comes after the checksum word.
        let gre = S.frame(
            S.outer("192.0.2.1", "192.0.2.2", true, proto: 47, S.gre(0x0800, key: 0x1234, checksum: true) + Self.syn))
        let (greOutcome, greLayers) = layers(gre)
        #expect(isTCP(greOutcome) && greLayers.first?.directionalID == 0x1234)
        // Teredo's authentication header with a 3-byte client id and a 5-byte value: 4 + 3 + 5 + 8 + 1 bytes.
        let ipv6 = PacketBuilder.ipv6(
            source: "2001:0:1::1", destination: "2001:db8::2",
            payload: PacketBuilder.tcp(
                sourcePort: 45000, destinationPort: 80, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn))
        let auth: [UInt8] = [0x00, 0x01, 3, 5] + [1, 2, 3] + [4, 5, 6, 7, 8] + [UInt8](repeating: 9, count: 8) + [0]
        let teredo = S.frame(S.outer("203.0.113.2", "203.0.113.1", true, proto: 17, S.udp(50000, 3544, auth + ipv6)))
        #expect(isTCP(layers(teredo).0) && layers(teredo).1.first?.kind == .teredo)
        // GTP-U with a sequence number only (S flag, no extension header): 4 more bytes.
        let gtp: [UInt8] =
            [0x32, 0xFF] + PacketBuilder.be16(UInt16(Self.syn.count + 4)) + PacketBuilder.be32(7)
            + [0, 1, 0, 0] + Self.syn
        let (gtpOutcome, gtpLayers) = layers(
            S.frame(S.outer("198.51.100.1", "198.51.100.2", true, proto: 17, S.udp(2152, 2152, gtp))))
        #expect(isTCP(gtpOutcome) && gtpLayers.first?.directionalID == 7)
        // ERSPAN type III without the platform subheader, carrying an IP frame (frame type 2).
        let erspanIP: [UInt8] = [0x20, 0x00, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
        let erspan = S.frame(
            S.outer("192.0.2.20", "192.0.2.21", true, proto: 47, S.gre(0x22EB, sequence: 1) + erspanIP + Self.syn))
        let (erspanOutcome, erspanLayers) = layers(erspan)
        #expect(isTCP(erspanOutcome) && erspanLayers.first?.directionalID == 9)
        // PPTP: an acknowledgment-only packet (A flag, no sequence number, no payload) carries nothing.
        let ackOnly: [UInt8] = [0x20, 0x81, 0x88, 0x0B, 0, 0, 0x12, 0x34, 0, 0, 0, 1]
        if case .notTCP = layers(S.frame(S.outer("192.0.2.40", "192.0.2.41", true, proto: 47, ackOnly))).0 {
        } else {
            Issue.record("a PPTP acknowledgment is not damaged GRE")
        }
    }

    @Test func impossibleLengthsAreDamageUnderTheirKind() throws {
        typealias S = SyntheticScenarios
        func outcome(_ frame: [UInt8]) -> DecodeOutcome {
            frame.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet) }
        }
        func damaged(_ frame: [UInt8], _ kind: TunnelKind) -> Bool {
            if case .damagedInTunnel(let k, _, _) = outcome(frame) { return k == kind }
            return false
        }
        // Geneve options of 63 words, past the packet.
        let geneve: [UInt8] = [0x3F, 0x00, 0x08, 0x00, 0, 0, 1, 0]
        #expect(
            damaged(
                S.frame(S.outer("192.0.2.3", "192.0.2.4", true, proto: 17, S.udp(1, 6081, geneve + Self.syn))), .geneve)
        )
        // AYIYA identity of 2^15 bytes.
        let ayiya: [UInt8] = [0xF1, 0x50, 0x11, 4, 0, 0, 0, 0]
        #expect(
            damaged(
                S.frame(S.outer("198.51.100.5", "198.51.100.6", true, proto: 17, S.udp(5072, 5072, ayiya + Self.syn))),
                .ayiya))
        // A GTP-U extension header of length 0, and one of 255 words.
        for length: UInt8 in [0, 255] {
            let gtp: [UInt8] = [0x34, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x85, length, 0, 0, 0] + Self.syn
            #expect(
                damaged(
                    S.frame(S.outer("198.51.100.1", "198.51.100.2", true, proto: 17, S.udp(2152, 2152, gtp))), .gtpU))
        }
        // Teredo's authentication lengths of 255 each, on its port: the IPv6 header is past the packet.
        let auth: [UInt8] = [0x00, 0x01, 255, 255] + [UInt8](repeating: 0, count: 20)
        #expect(
            damaged(S.frame(S.outer("203.0.113.2", "203.0.113.1", true, proto: 17, S.udp(50000, 3544, auth))), .teredo))
        // ERSPAN type III with its O flag but no room for the subheader.
        let erspan: [UInt8] = [0x20, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x01]
        #expect(
            damaged(
                S.frame(S.outer("192.0.2.20", "192.0.2.21", true, proto: 47, S.gre(0x22EB, sequence: 1) + erspan)),
                .erspan))
    }
}

/// Tunnels in third-party captures (`../shared/corpus`; skipped with a note when it is absent). Every number was
/// checked by hand against `tshark -q -z conv,tcp` (4.0): the packets per connection are tshark's, except where
/// the comment says why ours differ.
@Suite struct CorpusTunnelTests {
    func analysis(_ file: String) throws -> Analysis? {
        let path = CorpusSweepTests.corpus.appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else {
            print("CorpusTunnelTests: \(path) is absent, skipped")
            return nil
        }
        return try Analyzer.analyze(paths: [path])
    }

    func packets(_ a: Analysis) -> [Int] { a.connections.map { $0.client.packets + $0.server.packets } }

    @Test func gtpUFromAPhone() throws {
        // SIP over TCP in GTP-U, IPv6 inside: four connections of one 4-tuple, as tshark shows them.
        guard let a = try analysis("arkime/gtp-iphone.pcap") else { return }
        #expect(packets(a) == [12, 12, 22, 12])
        #expect(a.input.encapsulationCounts.map(\.name) == ["gtp-u"])
    }

    @Test func vxlanOnAWS() throws {
        guard let a = try analysis("suricata-verify/vxlan-decoder-03__vxlan.pcap") else { return }
        #expect(a.connections.map(\.client.endpoint.port) == [37180, 37182, 37184, 37186])
        #expect(packets(a) == [23, 21, 21, 17])
    }

    @Test func greBridgingWithFragmentedOuterPackets() throws {
        // The server's large segments make the outer GRE packets fragment: the first fragment carries the inner
        // headers and is followed, as tshark's reassembly shows them (32, 22, 21, 23, 8 packets).
        guard let a = try analysis("zeek/erspan.pcap") else { return }
        #expect(packets(a) == [32, 22, 21, 23, 8])
        #expect(a.input.encapsulationCounts.map { "\($0.name) \($0.segments)" } == ["gre 106"])
    }

    @Test func vxlanMirroredThroughERSPAN() throws {
        // tshark: eth:ip:gre:erspan:eth:ip:udp:vxlan:eth:ip:tcp, one conversation of 7 packets.
        guard let a = try analysis("arkime/gre-erspan-vxlan.pcap") else { return }
        #expect(packets(a) == [7])
        let t = try #require(a.connections.first?.tunnels?.paths.compactMap { $0 }.first)
        #expect(t.map(\.kind) == [.erspan, .vxlan])
    }

    @Test func geneveWithAVNIPerDirection() throws {
        // tshark: one conversation of 33 packets; by VNI alone it would be a SYN-only and a SYN-ACK-only half.
        guard let a = try analysis("arkime/tcpdump-geneve.pcap") else { return }
        #expect(a.connections.count == 1 && packets(a) == [33])
        #expect(a.connections.first?.handshakeOutcome == .complete)
    }

    @Test func overlappingFlowsInTwoVNIs() throws {
        // Zeek's VXLAN connection-key plugin example: one inner 4-tuple in VNI 4711, in VNI 4242 and plain.
        // tshark keys by the inner 4-tuple only (one conversation of 28 packets); Zeek with the plugin, and we,
        // see three connections.
        guard
            let a = try analysis(
                "zeek/doc__advanced__devel__plugins__connkey-vxlan-fivetuple-plugin-src__Traces__vxlan-overlapping-http-get.pcap"
            )
        else { return }
        #expect(a.connections.count == 3)
        #expect(a.connections.map { $0.tunnels?.paths.compactMap { $0 }.first?.first?.vni } == [4711, 4242, nil])
    }

    @Test func teredoFromARelayOnAnotherPort() throws {
        // tshark finds this connection (22 packets) only with its Teredo heuristic on (-o teredo.heuristic_teredo:TRUE).
        guard let a = try analysis("suricata-verify/decode-teredo-01__input.pcap") else { return }
        let teredo = try #require(a.connections.first { $0.key.tunnel != 0 })
        #expect(teredo.client.packets + teredo.server.packets == 22)
        #expect(teredo.client.endpoint.address == IPAddress("2001:0:4137:9e50:8000:f12a:b9c8:2815"))
    }

    @Test func theSamePacketOnTwoInterfaces() throws {
        // Frames 1 and 2 are one packet captured on interfaces 5 and 4 (tshark: frame.interface_id, same IP ID
        // 0x4377, seq, ack, length, same time): a capture duplicate, not a retransmission.
        guard let a = try analysis("pcapplusplus/ldap.pcapng") else { return }
        #expect(a.input.captureDuplicates == 1)
        let first = try #require(a.connections.first)
        #expect(first.captureDuplicates == 1 && first.interfaces == [4, 5])
        #expect(!first.findings.contains { $0.code == .retransmission })
    }
}
