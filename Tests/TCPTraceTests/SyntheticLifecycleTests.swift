import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Lifecycle verdicts on captures the kernel will not produce. Each expectation is read off the scenario's
/// packets (see the comments in SyntheticScenarios.swift) and the RFC rule it exercises.
@Suite struct SyntheticLifecycleTests {
    func only(_ name: String, msl: Double = 30) throws -> Connection {
        let a = try analyze(scenario(name), msl: msl)
        #expect(a.connections.count == 1)
        return try #require(a.connections.first)
    }

    @Test func committedSyntheticFixturesMatchTheWriter() throws {
        for s in SyntheticScenarios.all {
            let bytes = s.build()
            let name = SyntheticScenarios.fileName(s.name, bytes)
            let path = fixture("synthetic/\(name)")
            let data = try #require(FileManager.default.contents(atPath: path), "missing \(path): run make-fixtures")
            #expect(Array(data) == bytes, "\(name) differs from its scenario: run `swift run make-fixtures`")
        }
    }

    @Test func synAckWithWrongAck() throws {
        let c = try only("handshake-bad-synack")
        #expect(findingList(c) == ["handshake-bad-ack@2"])
        #expect(c.findings[0].detail.contains("expected ISN 1000 + 1 = 1001"))
    }

    @Test func thirdAckWithWrongAck() throws {
        let c = try only("handshake-bad-ack")
        #expect(findingList(c) == ["handshake-bad-ack@3"])
        #expect(c.findings[0].senderIndex == c.clientIndex)
    }

    @Test func finAcknowledgedPastTheFin() throws {
        let c = try only("fin-bad-ack")
        #expect(findingList(c) == ["fin-bad-ack@5"])
        #expect(c.closeKind == .fourWay)
    }

    @Test func dataAfterOwnFin() throws {
        let c = try only("data-after-fin")
        #expect(findingList(c) == ["data-after-fin@6"])
        #expect(c.findings[0].severity == .error)
    }

    @Test func staleSynIsRejectedByTheClient() throws {
        let a = try analyze(scenario("stale-syn"))
        #expect(a.connections.count == 2)
        let old = a.connections[0]
        #expect(findingList(old) == ["stale-syn@3"])
        #expect(old.handshakeOutcome == .aborted)
        #expect(old.closeKind == .reset && old.closeInitiator == .client)
        let fresh = a.connections[1]
        #expect(fresh.firstFrame == 4 && fresh.handshakeOutcome == .complete && fresh.findings.isEmpty)
        #expect(fresh.client.isn?.rawValue == 1000)
    }

    @Test func simultaneousOpen() throws {
        let c = try only("simultaneous-open")
        #expect(c.handshakeOutcome == .simultaneousOpen)
        #expect(findingList(c) == ["simultaneous-open@2"])  // no syn-retransmit: each SYN is sent once
        #expect(
            c.client.transitions.map(\.state) == [
                .synSent, .synReceived, .established, .finWait1, .finWait2,
                .timeWait,
            ])
        #expect(
            c.server.transitions.map(\.state) == [
                .synSent, .synReceived, .established, .closeWait, .lastAck,
                .closed,
            ])
    }

    @Test func handshakeAndCloseAcrossTheWrap() throws {
        let c = try only("sequence-wrap")
        #expect(c.findings.isEmpty)
        #expect(c.handshakeOutcome == .complete && c.closeKind == .fourWay)
        // Client ISN 2^32 − 6; SYN (1) + 10 data bytes: the FIN sits at 5 after the wrap.
        #expect(c.client.finSequence?.rawValue == 5)
        #expect(c.client.finAckedFrame == 9)
        #expect(c.server.finSequence?.rawValue == 105)  // 4294967000 + 1 + 400 − 2^32
        #expect(c.timeWaitSide == .client)
    }

    @Test func resetInTimeWait() throws {
        let c = try only("rst-in-time-wait")
        #expect(findingList(c) == ["rst-in-time-wait@8"])
        #expect(c.closeKind == .fourWay)  // the close had completed before the RST
        #expect(c.client.transitions.last?.state == .closed)
    }

    @Test func reuseWithLowerISN() throws {
        let a = try analyze(scenario("reuse-lower-isn"))
        #expect(a.connections.count == 2)
        let reuse = try #require(a.connections[1].findings.first)
        #expect(reuse.code == .timeWaitReuse && reuse.frame == 10)
        #expect(reuse.detail.contains("not beyond the old final sequence 1102"))
        // Client TIME_WAIT began at frame 9 (t = 8 ms); the SYN came 5 s + 1 ms later.
        #expect(a.connections[0].reusedAfter.map { abs($0 - 5.001) < 1e-9 } == true)
        // With a 2 s MSL the 2·MSL window (4 s) is over: no finding.
        let relaxed = try analyze(scenario("reuse-lower-isn"), msl: 2)
        #expect(relaxed.connections[1].findings.isEmpty)
    }

    @Test func synRetriedWithNewISN() throws {
        let c = try only("syn-new-isn")
        #expect(findingList(c) == ["syn-new-isn@2"])
        #expect(c.handshakeOutcome == .complete)
    }

    @Test func synCarryingData() throws {
        let c = try only("syn-with-data")
        #expect(findingList(c) == ["syn-with-data@1"])
        #expect(c.client.payloadBytes == 16)
    }

    @Test func linkTypesGiveTheSameConnection() throws {
        for name in ["loopback-null", "loopback-loop", "raw-ip", "ipv4-linktype"] {
            let c = try only(name)
            #expect(c.client.packets == 5 && c.server.packets == 4, "\(name)")
            #expect(c.client.payloadBytes == 5 && c.server.payloadBytes == 5, "\(name)")
            #expect(c.handshakeOutcome == .complete && c.closeKind == .fourWay, "\(name)")
        }
        let v6 = try only("loopback-loop")
        #expect(v6.client.endpoint.description == "[fd00::1]:40000")
    }

    @Test func ipv6ExtensionHeaders() throws {
        let c = try only("ipv6-extension-headers")
        #expect(c.client.payloadBytes == 100)
        #expect(c.closeKind == .threeWay && c.closeInitiator == .client)
        #expect(c.findings.isEmpty)
    }
}
