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
        let a = try analysis("tunnels-udp.pcap")
        let synAck = a.connections[0].server.synAckFrame ?? 0
        var segment = Segment.empty
        frames[synAck - 1].withUnsafeBytes { bytes in
            _ = PacketDecoder.decode(bytes, linkType: .ethernet, into: &segment)
            ids.append(registry.intern(bytes, segment.tunnelMarks))
        }
        #expect(ids[0].0 == ids[2].0 && ids[0].1 != ids[2].1)  // same identity, another path
        #expect(ids[1].0 != ids[0].0)  // Geneve between other endpoints
        #expect(registry.count == 3)
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
        // The same segment again on the same interface 200 ms later is a retransmission.
        let resent = a.connections[1]
        #expect(resent.interfaces == [1] && resent.captureDuplicates == 0)
        #expect(resent.findings.map(\.code) == [.retransmission])
    }

    @Test func tunnelledPrefixesNeverTrap() throws {
        // Every prefix of every tunnelled frame decodes to an outcome: cut tunnel content is counted.
        for name in ["tunnels-udp", "tunnels-gre", "tunnels-nested"] {
            for frame in PcapWriter.records(scenario(name)).map(\.0) {
                for length in stride(from: 0, through: frame.count, by: 3) {
                    _ = Array(frame.prefix(length)).withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet) }
                }
            }
        }
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
