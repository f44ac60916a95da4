import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// RST acceptability (RFC 9293 3.5 and 3.10.7, RFC 5961 3), new attempts on a 4-tuple, the reset linger and
/// closes across the sequence wrap, on captures built from bytes. Each expectation is read off the packets
/// written here (frames numbered in comments) and the rule it exercises (docs/connection-model.md).
@Suite struct ResetAndAttemptTests {
    func connections(_ bytes: [UInt8]) throws -> [Connection] { try analyze(bytes).connections }

    func codes(_ c: Connection) -> [String] { findingList(c) }

    // MARK: A SYN_SENT receiver

    @Test func staleSynAckAbortsThePeerNotTheAttempt() throws {
        let all = try connections(scenario("stale-synack"))
        #expect(all.count == 1)
        let c = try #require(all.first)
        #expect(c.handshakeOutcome == .complete && c.closeKind == .fourWay && c.resetFrame == nil)
        #expect(codes(c) == ["stale-syn@3", "syn-retransmit@4"])
        #expect(c.findings[0].detail.contains("figure 8"))
        // The server's handshake is the one after the abort: ISN 5000, not the stale SYN-ACK's 9000.
        #expect(c.server.isn?.rawValue == 5000 && c.server.synAckFrame == 5)
    }

    @Test func halfOpenPeerIsAbortedAndTheAttemptCompletes() throws {
        let all = try connections(scenario("half-open-peer"))
        #expect(all.count == 2)
        #expect(all[0].closeKind == .notClosed && all[0].lastFrame == 5)
        let c = all[1]
        #expect(c.firstFrame == 6 && c.handshakeOutcome == .complete && c.closeKind == .fourWay)
        #expect(codes(c) == ["half-open-peer@8", "syn-retransmit@9"])
        #expect(c.findings[0].detail.contains("ACK 1101"))
    }

    @Test func rstWithoutAckInSynSentIsIgnored() throws {
        let c = try #require(try connections(scenario("rst-unacceptable-syn-sent")).first)
        #expect(c.handshakeOutcome == .complete && c.closeKind == .fourWay)
        #expect(codes(c) == ["rst-unacceptable@2"])
        #expect(c.findings[0].detail.contains("no ACK bit"))
    }

    /// 1 SYN ISN 1000 carrying `synData` bytes; 2 RST,ACK with acknowledgment `ack`.
    func synAnsweredByReset(synData: Int, ack: UInt32) -> [UInt8] {
        var f = FlowScript()
        f.send(.client, flags: PacketBuilder.Flag.syn, payload: synData)
        f.rst(.server, seq: 0, ack: ack)
        return f.bytes
    }

    @Test func inSynSentOnlyAnAckOfTheSynResets() throws {
        // ISS < SEG.ACK ≤ SND.NXT: 1001 for a bare SYN; up to 1011 when the SYN carried 10 bytes (Fast Open).
        let refused = try #require(try connections(synAnsweredByReset(synData: 0, ack: 1001)).first)
        #expect(refused.handshakeOutcome == .refused && codes(refused) == ["refused@2"])
        let fastOpen = try #require(try connections(synAnsweredByReset(synData: 10, ack: 1011)).first)
        #expect(fastOpen.handshakeOutcome == .refused && codes(fastOpen).contains("refused@2"))
        let beyond = try #require(try connections(synAnsweredByReset(synData: 0, ack: 1005)).first)
        #expect(beyond.resetFrame == nil && beyond.handshakeOutcome == .synOnly)
        #expect(codes(beyond) == ["syn-unanswered@1", "rst-unacceptable@2"])
        #expect(beyond.findings.first { $0.code == .rstUnacceptable }!.detail.contains("1000 < SEG.ACK ≤ SND.NXT 1001"))
        let atISN = try #require(try connections(synAnsweredByReset(synData: 0, ack: 1000)).first)
        #expect(atISN.resetFrame == nil && codes(atISN).contains("rst-unacceptable@2"))
    }

    @Test func fastOpenSynAckAcknowledgingTheDataCompletesTheHandshake() throws {
        // 1 SYN ISN 1000 with 10 bytes; 2 SYN-ACK ack 1011 (SYN and data); 3 ACK.
        var f = FlowScript()
        f.send(.client, flags: PacketBuilder.Flag.syn, payload: 10)
        f.synAck()
        f.ack()
        let c = try #require(try connections(f.bytes).first)
        #expect(c.handshakeOutcome == .complete)
        #expect(!codes(c).contains { $0.hasPrefix("handshake-bad-ack") })
    }

    // MARK: Synchronized states (RFC 5961 3.2)

    @Test func inWindowResetAnsweredByAChallengeAckDoesNotReset() throws {
        let c = try #require(try connections(scenario("rst-challenge-ack")).first)
        #expect(codes(c) == ["rst-unacceptable@6", "reset@8"])
        #expect(c.findings[0].detail.contains("challenge ACK (frame 7"))
        #expect(c.resetFrame == 8 && c.closeKind == .reset && c.closeInitiator == .client)
    }

    /// 1-3 handshake (window scale 7); 4 client data 1001-1100; 5 server ACK 1101; 6 client RST at 1151;
    /// then `after` (frames 7 on).
    func inWindowReset(then after: (inout FlowScript) -> Void) -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.rst(.client, withAck: false, seq: 1151)
        f.clientNext = 1101  // (the script's counter moved to the RST's number; the client's next byte is 1101)
        after(&f)
        return f.bytes
    }

    @Test func inWindowResetFollowedBySilenceResetsAtItsOwnFrame() throws {
        let bytes = inWindowReset { _ in }
        for timeline in [false, true] {
            let c = try #require(try analyze(bytes, timeline: timeline).connections.first)
            #expect(codes(c) == ["reset@6"])
            #expect(c.findings[0].detail.contains("nothing came back from the receiver"))
            #expect(c.resetFrame == 6 && c.closeKind == .reset)
            #expect(c.client.state == .closed && c.server.state == .closed)
            #expect(c.client.transitions.last?.frame == 6)
            if timeline { #expect(c.timeline?.last.map { $0.states == (.closed, .closed) } == true) }
        }
    }

    @Test func inWindowResetFollowedByTheReceiversDataDoesNotReset() throws {
        // 7 the server sends 50 bytes, 8 the client ACKs them; 9-12 four-way close.
        let bytes = inWindowReset { f in
            f.data(.server, 50)
            f.ack(.client)
            f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
        }
        let c = try #require(try connections(bytes).first)
        #expect(codes(c) == ["rst-unacceptable@6"])
        #expect(c.findings[0].detail.contains("went on sending (frame 7)"))
        #expect(c.closeKind == .fourWay && c.resetFrame == nil)
    }

    @Test func anUndecidedResetWaitsTheResetLinger() throws {
        // The in-window RST (6), then the server sends 50 bytes 2 s later (7): inside the 5 s reset linger the
        // connection is still held, and the server's data shows the RST did not reset.
        let bytes = inWindowReset { f in f.data(.server, 50, after: 2_000_000_000) }
        for mode in ["batch", "stream"] {
            let all = try analyzeIn(mode, bytes)
            #expect(all.count == 1 && codes(all[0]) == ["rst-unacceptable@6", "not-closed@7"], "\(mode)")
        }
    }

    @Test func aSecondResetAtRcvNxtFromTheSameSenderShowsTheFirstDidNot() throws {
        // RFC 5961 3.2's own sequence with the challenge ACK missing from the capture: 6 RST at 1151 (in the
        // window), 7 the client's RST at 1101 (exact): the first did not reset, the second did.
        let bytes = inWindowReset { f in f.rst(.client, withAck: false, seq: 1101) }
        let c = try #require(try connections(bytes).first)
        #expect(codes(c) == ["rst-unacceptable@6", "reset@7"])
        #expect(c.findings[0].detail.contains("challenge ACK the capture does not show"))
        #expect(c.resetFrame == 7)
    }

    @Test func aResetAtTheFinOfAClosingSenderIsAccepted() throws {
        // 1-3 handshake; 4 client FIN at 1001; 5 server ACK 1002 (server CLOSE_WAIT); 6 client RST at 1001,
        // RCV.NXT - 1: Linux accepts it in CLOSE_WAIT (tcp_reset_check), as stacks that close with FIN then RST
        // expect.
        var f = FlowScript()
        f.handshake()
        f.fin(.client)
        f.ack(.server)
        f.rst(.client, withAck: false, seq: 1001)
        let c = try #require(try connections(f.bytes).first)
        #expect(codes(c) == ["reset@6"] && c.closeKind == .reset)
    }

    @Test func aReceiverThatHasAcknowledgedIsNotInSynSent() throws {
        // The capture misses the SYN-ACK: 1 SYN (ISN 1000); 2 the client's ACK 5001 and 3 its data; 4 a RST
        // from the server without ACK at 5001. The client has acknowledged: it is past SYN_SENT, the RST is
        // judged against its ACK (exact) and resets.
        var f = FlowScript()
        f.syn()
        f.serverNext = 5001
        f.ack()
        f.data(.client, 100)
        f.rst(.server, withAck: false)
        let c = try #require(try connections(f.bytes).first)
        #expect(!codes(c).contains("rst-unacceptable@4") && c.resetFrame == 4)
    }

    @Test func withoutBothSynsTheWindowDoesNotBoundAReset() throws {
        // The capture starts at the SYN-ACK (window scale 7 announced, the client's SYN unseen): 1 SYN-ACK,
        // 2 ACK, 3 server ACK of nothing new with window 100 (really 100 << 7 if the client offered scaling),
        // 4 a client RST at 1201: past the unscaled edge 1101 but inside the scaled one. Undecided, and nothing
        // comes back: it reset.
        var f = FlowScript()
        f.clientNext = 1001
        f.synAck(ack: 1001)
        f.ack()
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 100)
        f.rst(.client, withAck: false, seq: 1201)
        let c = try #require(try connections(f.bytes).first)
        #expect(codes(c).filter { $0.hasPrefix("rst") || $0.hasPrefix("reset") } == ["reset@4"])
    }

    @Test func beforeTheReceiversFirstAckNothingIsOutside() throws {
        // One direction only (the server's data, mid-stream): 1-2 server data 5001-5100, 5101-5200; 3 a RST
        // from the client's address at 4000. The client's RCV.NXT is unknown: undecided, then it reset.
        var f = FlowScript()
        f.serverNext = 5001
        f.data(.server, 100)
        f.data(.server, 100)
        f.rst(.client, withAck: false, seq: 4000)
        let c = try #require(try connections(f.bytes).first)
        #expect(!codes(c).contains { $0.hasPrefix("rst-unacceptable") } && c.resetFrame == 3)
    }

    @Test func resetOutsideTheWindowIsIgnored() throws {
        let c = try #require(try connections(scenario("rst-outside-window")).first)
        #expect(codes(c) == ["rst-unacceptable@6"])
        #expect(c.findings[0].detail.contains("outside the receiver's window: sequence 4000, RCV.NXT 5201"))
        #expect(c.closeKind == .fourWay)
    }

    @Test func aResetWithAnotherTTLSaysSo() throws {
        let c = try #require(try connections(scenario("rst-forged-ttl")).first)
        #expect(codes(c) == ["reset@6"])
        #expect(c.findings[0].ttl == TTLMismatch(rst: 50, sender: 64))
        #expect(c.findings[0].detail.contains("IP TTL 50 differs from the 64"))
        // Two hops apart is within the noise: nothing said.
        var f = FlowScript()
        f.handshake()
        f.ttl = 62
        f.rst(.server)
        let near = try #require(try connections(f.bytes).first)
        #expect(near.findings.first { $0.code == .reset }?.ttl == nil)
    }

    @Test func aResetAfterBothFinsKeepsTheClose() throws {
        // 1-3 handshake; 4 client FIN; 5 server FIN,ACK (three-way); 6 client RST at 1002 instead of the ACK.
        var f = FlowScript()
        f.handshake()
        f.fin(.client)
        f.fin(.server)
        f.rst(.client, withAck: false)
        let c = try #require(try connections(f.bytes).first)
        #expect(c.closeKind == .threeWay && c.closeInitiator == .client)
        #expect(c.zeekConnState == "SF")
    }

    // MARK: A new attempt or the same connection

    /// A SYN (ISN 1000) at 0 and its retries at `retries` seconds, then a SYN with ISN 2000 at `newAt` seconds.
    func attempts(retries: [Double], newAt: Double) -> [UInt8] {
        var f = FlowScript()
        let start = f.time
        f.syn()
        for t in retries { f.time = start + Int64(t * 1e9); f.syn(seq: 1000) }
        f.time = start + Int64(newAt * 1e9)
        f.clientNext = 2000
        f.syn()
        return f.bytes
    }

    @Test func aSynWithANewISNIsANewAttemptOnceTheRetriesHaveEnded() throws {
        // No retry: the limit is 64 s.
        #expect(try connections(attempts(retries: [], newAt: 63)).count == 1)
        #expect(try connections(attempts(retries: [], newAt: 65)).count == 2)
        // Retries at 1 and 3 s (last interval 2 s): the same attempt up to 4 s after the last, a new one after.
        let inside = try connections(attempts(retries: [1, 3], newAt: 6.5))
        #expect(inside.count == 1 && codes(inside[0]).contains("syn-new-isn@4"))
        let after = try connections(attempts(retries: [1, 3], newAt: 7.5))
        #expect(after.count == 2 && after[1].firstFrame == 4 && after[1].client.isn?.rawValue == 2000)
    }

    // MARK: The reset linger

    /// 1-3 handshake; 4 client data; 5 server RST,ACK (exact); 6 the client's data again `after` seconds later.
    func resetThenClientData(after seconds: Double) -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.rst(.server)
        f.data(.client, 100, seq: 1001, after: Int64(seconds * 1e9))
        return f.bytes
    }

    @Test func segmentsInsideTheResetLingerStayWithTheConnection() throws {
        for mode in ["batch", "stream"] {
            let near = try analyzeIn(mode, resetThenClientData(after: 2))
            #expect(near.count == 1 && near[0].lastFrame == 6, "\(mode)")
            let late = try analyzeIn(mode, resetThenClientData(after: 6))
            #expect(late.count == 2, "\(mode)")
            #expect(late.last?.firstFrame == 6 && late.last?.roleEvidence == .portHeuristic, "\(mode)")
        }
    }

    @Test func theIdleTimeoutSplitsInEveryMode() throws {
        // 1-3 handshake; 4 client data 301 s later: past the 300 s idle timeout, a new mid-stream connection.
        var f = FlowScript()
        f.handshake()
        f.data(.client, 10, after: 301_000_000_000)
        for mode in ["batch", "stream"] {
            let all = try analyzeIn(mode, f.bytes)
            #expect(all.count == 2 && all[1].firstFrame == 4, "\(mode)")
        }
    }

    /// The connections of `bytes`, by the batch or the streaming path.
    func analyzeIn(_ mode: String, _ bytes: [UInt8]) throws -> [Connection] {
        let path = try temporaryFile(bytes)
        if mode == "batch" { return try Analyzer.analyze(paths: [path]).connections }
        var sink = ModeAgreementTests.Collecting()
        _ = try Analyzer.stream(paths: [path], options: AnalysisOptions(), into: &sink)
        return sink.box.connections.sorted { $0.id < $1.id }
    }

    @Test func resentFinsOfAnUnacknowledgedCloseStayWithTheConnection() throws {
        // 1-3 handshake; 4 server FIN; 5 client ACK; 6 client FIN, never acknowledged; 7 and 8 the client's FIN
        // again 20 s and 40 s later (its backed-off retries): inside 2·MSL of silence, the same connection.
        var f = FlowScript()
        f.handshake()
        f.fin(.server)
        f.ack(.client)
        f.fin(.client)
        f.fin(.client, seq: 1001, after: 20_000_000_000)
        f.fin(.client, seq: 1001, after: 20_000_000_000)
        for mode in ["batch", "stream"] {
            let all = try analyzeIn(mode, f.bytes)
            #expect(all.count == 1 && all[0].lastFrame == 8, "\(mode)")
            #expect(codes(all[0]) == ["fin-unacked@6", "fin-retransmit@7", "fin-retransmit@8"], "\(mode)")
        }
    }

    @Test func aResetOnATimeWaitTupleIsALateSegment() throws {
        // 1-3 handshake; 4-7 four-way close (client TIME_WAIT); 8 a RST from the server 10 s later, past the
        // linger and inside 2·MSL: counted in the note, no connection of its own, in every mode.
        var f = FlowScript()
        f.handshake()
        f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
        f.rst(.server, withAck: false, seq: 77, after: 10_000_000_000)
        let path = try temporaryFile(f.bytes)
        let batch = try Analyzer.analyze(paths: [path])
        #expect(batch.connections.count == 1)
        #expect(batch.input.notes.contains(Tracker.lateSegmentsNote(1, resets: 1)))
        #expect(try analyzeIn("stream", f.bytes).count == 1)
    }

    @Test func onePacketStampedInTheFutureSplitsNothingElse() throws {
        // Two connections exchange data every 100 ms; between them, a lone segment of a third 4-tuple is
        // stamped a day ahead (a damaged or merged capture). A sweep trusts a time only when the next segment
        // agrees, so the two are not finalized by it: each stays whole.
        var a = FlowScript(clientPort: 40000, start: 1_700_000_000_000_000_000, link: .raw)
        var b = FlowScript(clientPort: 40001, start: 1_700_000_000_050_000_000, link: .raw)
        var stray = FlowScript(clientPort: 40002, start: 1_700_086_400_000_000_000, link: .raw)
        a.step = 100_000_000
        b.step = 100_000_000
        a.handshake()
        b.handshake()
        for _ in 0..<6 {
            a.data(.client, 10)
            b.data(.client, 10)
        }
        stray.data(.client, 10)
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        var records = (PcapWriter.records(a.bytes) + PcapWriter.records(b.bytes)).sorted { $0.1 < $1.1 }
        records.insert(PcapWriter.records(stray.bytes)[0], at: 8)
        for (record, time) in records { writer.append(record, at: time) }
        for mode in ["batch", "stream"] {
            let all = try analyzeIn(mode, writer.bytes)
            #expect(all.count == 3, "\(mode)")
            #expect(all.filter { $0.packets == 9 }.count == 2, "\(mode)")
        }
    }

    // MARK: Across the wrap

    /// Client ISN 2^32 - 2 (its FIN at 2^32 - 1, acknowledged by 0); server ISN 2^32 - 3 with one byte of data
    /// at 2^32 - 2 (its FIN at 2^32 - 1 too).
    func wrapped(_ close: (inout FlowScript) -> Void) -> [UInt8] {
        var f = FlowScript(clientISN: 4_294_967_294, serverISN: 4_294_967_293)
        f.handshake()
        f.data(.server, 1)
        f.ack(.client)
        close(&f)
        return f.bytes
    }

    @Test func everyCloseKindAcrossTheWrap() throws {
        let fourWay = try #require(
            try connections(
                wrapped { f in
                    f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
                }
            ).first)
        #expect(fourWay.closeKind == .fourWay && fourWay.closeInitiator == .client && fourWay.findings.isEmpty)
        #expect(fourWay.client.state == .timeWait && fourWay.server.state == .closed)
        #expect(fourWay.client.finSequence?.rawValue == 4_294_967_295)

        let serverFirst = try #require(
            try connections(
                wrapped { f in
                    f.fin(.server); f.ack(.client); f.fin(.client); f.ack(.server)
                }
            ).first)
        #expect(serverFirst.closeKind == .fourWay && serverFirst.closeInitiator == .server)
        #expect(serverFirst.server.state == .timeWait && serverFirst.findings.isEmpty)

        let threeWay = try #require(
            try connections(
                wrapped { f in
                    f.fin(.client); f.fin(.server); f.ack(.client)
                }
            ).first)
        #expect(threeWay.closeKind == .threeWay && threeWay.findings.isEmpty)

        let simultaneous = try #require(
            try connections(
                wrapped { f in
                    f.fin(.client, ack: 4_294_967_295); f.fin(.server, ack: 4_294_967_295)
                    f.ack(.client); f.ack(.server)
                }
            ).first)
        #expect(simultaneous.closeKind == .simultaneous)
        #expect(simultaneous.client.state == .timeWait && simultaneous.server.state == .timeWait)

        let halfClose = try #require(
            try connections(
                wrapped { f in
                    f.fin(.client); f.ack(.server); f.data(.server, 10); f.ack(.client); f.fin(.server); f.ack(.client)
                }
            ).first)
        #expect(halfClose.closeKind == .fourWay && codes(halfClose) == ["half-close@8"])

        let reset = try #require(try connections(wrapped { f in f.rst(.client) }).first)
        #expect(reset.closeKind == .reset && codes(reset) == ["reset@6"])

        let halfClosed = try #require(
            try connections(
                wrapped { f in
                    f.fin(.client); f.ack(.server)
                }
            ).first)
        #expect(halfClosed.closeKind == .halfClosed && halfClosed.server.state == .closeWait)
        #expect(halfClosed.client.state == .finWait2 && halfClosed.findings.isEmpty)

        let open = try #require(try connections(wrapped { _ in }).first)
        #expect(open.closeKind == .notClosed && codes(open) == ["not-closed@5"])
    }

    // MARK: Smaller rules

    @Test func aHandshakeAcrossABackwardStepHasNoRoundTrip() throws {
        // 1 SYN at t; 2 SYN-ACK stamped 0.5 s before it; 3 ACK.
        var f = FlowScript()
        f.syn()
        f.synAck(after: -500_000_000)
        f.ack()
        let a = try analyze(f.bytes)
        let c = try #require(a.connections.first)
        // Dropped: the handshake's round trip (SYN to ACK), the client's SYN-to-SYN-ACK one, the client's idle time.
        #expect(c.handshakeRTT == nil && c.backwardSamples == 2)
        var rtts: [Double?] = []
        for side in [c.clientIndex, c.serverIndex] {
            DirectionFigures.forEach(c, side) { key, value in
                if key == .handshakeRTT, case .number(let v) = value { rtts.append(v) }
            }
        }
        // The server's own round trip, SYN-ACK to ACK, lies after the step: 1 ms.
        #expect(rtts.count == 2 && rtts[0] == nil && rtts[1].map { abs($0 - 0.001) < 1e-9 } == true)
    }

    @Test func aThirdAckPastTheServersDataIsAlsoAnUnseenSegment() throws {
        // 1 SYN, 2 SYN-ACK (server ISN 5000), 3 ACK 5101: 100 bytes the server never sent in the capture.
        var f = FlowScript()
        f.syn()
        f.synAck()
        f.ack(ack: 5101)
        let c = try #require(try connections(f.bytes).first)
        #expect(codes(c).contains("handshake-bad-ack@3") && codes(c).contains("ack-unseen-segment@3"))
    }

    @Test func windowScaleRoundingIsNotAShrink() throws {
        // Window scale 7 on both SYNs (units of 128 bytes). 4 server ACK 1001 window 100 (right edge 13801);
        // 5 client data 1001-1050; 6 server ACK 1051 window 99 (edge 13723: 78 bytes left, rounding);
        // 7 server ACK 1051 window 97 (edge 13467: 256 bytes left, a shrink).
        var f = FlowScript()
        f.handshake()
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 100)
        f.data(.client, 50)
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 99)
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 97)
        let c = try #require(try connections(f.bytes).first)
        #expect(codes(c).filter { $0.hasPrefix("window-shrunk") } == ["window-shrunk@7"])
    }

    @Test func timestampsGoingBackwardsGiveNoNegativeFigures() throws {
        // 1-3 handshake; 4 client data at t; 5 the server's ACK stamped 1 s before it.
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server, after: -1_000_000_000)
        let a = try analyze(f.bytes)
        let c = try #require(a.connections.first)
        #expect(c.client.stats.rtt.count == 0)
        #expect(c.handshakeRTT != nil)
        #expect(c.backwardSamples == 2)  // the RTT sample, and the server's idle time
        #expect(c.server.stats.longestIdle >= 0)
        #expect(a.input.notes.contains { $0.hasPrefix("2 RTT or idle sample(s) spanned a step back in time") })
    }
}
