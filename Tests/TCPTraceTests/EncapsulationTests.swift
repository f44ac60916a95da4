import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Link-level encapsulations on the way to IP (MPLS, MPLS Ethernet pseudowires, PPPoE, PPP, PBB, VN-Tag, Cisco
/// HDLC, 802.11, radiotap), on the synthetic fixtures written by PcapSynth: each carries whole connections
/// (9 packets: handshake, 100 bytes and their ACK, four-way close), and every count below comes from them.
@Suite struct EncapsulationTests {
    func analysis(_ name: String) throws -> Analysis {
        try Analyzer.analyze(paths: [fixture("synthetic/\(name).pcap")])
    }

    func allComplete(_ a: Analysis) -> Bool {
        a.connections.allSatisfy {
            $0.handshakeOutcome == .complete && $0.closeKind == .fourWay && $0.client.payloadBytes == 100
                && $0.findings.isEmpty
        }
    }

    @Test func ethernetCarriesEachEncapsulation() throws {
        let a = try analysis("encapsulations-ethernet")
        #expect(a.connections.map(\.client.endpoint.port) == [40001, 40002, 40003, 40004, 40005])
        #expect(allComplete(a))
        #expect(a.input.tcpSegments == 45 && a.input.nonTCP == 0)
        // MPLS: two connections (labels, and a pseudowire); PPPoE carries PPP.
        #expect(
            a.input.encapsulationCounts.map { "\($0.name) \($0.segments)" }
                == ["mpls 18", "pppoe 9", "ppp 9", "pbb 9", "vn-tag 9"])
        let text = TextReport.render(a, timelines: [])
        #expect(text.contains("encapsulated TCP segments: mpls 18, pppoe 9, ppp 9, pbb 9, vn-tag 9\n"))
    }

    @Test func eachLinkTypeCarriesItsConnection() throws {
        for (name, kinds) in [
            ("ppp", ["ppp 9"]), ("ppp-serial", ["ppp 9"]), ("ppp-ether", ["pppoe 9", "ppp 9"]),
            ("cisco-hdlc", ["cisco-hdlc 9"]), ("ieee80211", ["802.11 9"]),
            ("radiotap", ["802.11 9", "radiotap 9"]),
        ] {
            let a = try analysis(name)
            #expect(a.connections.count == 1 && allComplete(a), "\(name)")
            #expect(a.input.encapsulationCounts.map { "\($0.name) \($0.segments)" } == kinds, "\(name)")
        }
        // The protected 802.11 frame cannot be read: counted as not TCP.
        #expect(try analysis("ieee80211").input.nonTCP == 1)
    }

    @Test func jsonCountsTheEncapsulations() throws {
        let r = try runCLI(["analyze", fixture("synthetic/radiotap.pcap"), "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let input = try #require(doc["input"] as? [String: Any])
        #expect((input["encapsulations"] as? [String: Int]) == ["802.11": 9, "radiotap": 9])
        let plain = try runCLI(["analyze", fixture("synthetic/textbook.pcap"), "--format", "json"])
        #expect(plain.stdout.contains("\"encapsulations\": {}"))
    }

    @Test func damagedEncapsulationsAreCountedNeverTrapped() throws {
        // Every prefix of an encapsulated frame decodes to an outcome (cut frames are truncated, never a trap).
        let frames = PcapWriter.records(scenario("encapsulations-ethernet")).map(\.0)
        var truncated = 0
        for frame in frames.prefix(10) {
            for length in 0..<frame.count {
                let outcome = decode(Array(frame.prefix(length)), .ethernet)
                if case .truncated = outcome { truncated += 1 }
            }
        }
        #expect(truncated > 0)
        // A label stack without a bottom label is malformed.
        let endless = PacketBuilder.ethernet(
            (0..<20).flatMap { _ in SyntheticScenarios.mplsLabel(1, bottom: false) }, etherType: 0x8847)
        if case .malformed = decode(endless, .ethernet) {} else { Issue.record("an MPLS stack without bottom") }
    }
}
