import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Where the time went (docs/timing.md): the labels partition each direction's life, and on the real-kernel
/// captures of Fixtures/timing (scripts/timing-captures.sh, each recorded on the sender's own interface) the
/// wire's figures agree with the sender's own TCP_INFO counters and the applications' timestamps recorded with
/// them (NAME.kernel.json).
@Suite struct TimingTests {
    static let scenarios = ["slow-reader", "app-limited", "lossy", "think-time", "delayed-close", "blackout"]

    /// One timing capture analysed with its timeline, and the sender's record.
    struct Scenario {
        var connection: Connection
        var kernel: [String: Any]

        init(_ name: String, closeWaitThreshold: Double = 1) throws {
            let analysis = try Analyzer.analyze(
                paths: [fixture("timing/\(name).pcap")],
                options: AnalysisOptions(
                    tracker: TrackerOptions(recordTimeline: true, closeWaitThreshold: closeWaitThreshold)))
            try #require(analysis.connections.count == 1)
            connection = analysis.connections[0]
            let data = try Data(contentsOf: URL(fileURLWithPath: fixture("timing/\(name).kernel.json")))
            kernel = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        /// A kernel counter in seconds (TCP_INFO gives microseconds).
        func counter(_ name: String) -> Double { (kernel[name] as? NSNumber)?.doubleValue ?? .nan }

        /// Seconds the server had something unacknowledged, as Linux counts `tcpi_busy_time`: our transfer time
        /// less the SYN-ACK's flight (the kernel's busy clock starts at the first write, after the handshake)
        /// and the FIN's (the counters were read before the close). Both flights come from the frames.
        var serverDataInFlight: Double {
            let c = connection
            let t = c.timing
            var seconds = t.server.transfer
            let server = c.server, client = c.client
            if let synAck = server.synAckTime, let ack = client.ackedPeerSynTime { seconds -= synAck.interval(to: ack) }
            if let fin = server.finTime, let acked = server.finAckedFrame,
                let ackTime = c.timeline?.first(where: { $0.frame == acked })?.time
            {
                seconds -= fin.interval(to: ackTime)
            }
            return seconds
        }
    }

    /// |ours - kernel| within 10 % of the kernel's figure plus two jiffies (8 ms at HZ 250: the chronograph
    /// starts and stops on jiffy boundaries, so each of its intervals is off by up to one tick at each end).
    static func close(_ ours: Double, _ kernel: Double) -> Bool { abs(ours - kernel) <= 0.1 * kernel + 0.008 }

    @Test(arguments: scenarios)
    func busyTimeAgreesWithTheKernel(_ name: String) throws {
        let s = try Scenario(name)
        let kernel = s.counter("tcpi_busy_time") / 1e6
        #expect(Self.close(s.serverDataInFlight, kernel), "\(name): ours \(s.serverDataInFlight), kernel \(kernel)")
    }

    /// Timeout stalls against the kernel's count of retransmission timeouts (`tcpi_total_rto`, Linux 6.7 and
    /// later): 0 in five captures, 3 in the blackout; and no RTO stall where the kernel saw none.
    @Test(arguments: scenarios)
    func timeoutStallsAreTheKernelsTimeouts(_ name: String) throws {
        let s = try Scenario(name)
        let kernel = try #require(s.kernel["tcpi_total_rto"] as? Int)
        #expect(s.connection.timing.server.rtoStalls == kernel, "\(name)")
        if kernel == 0 { #expect(s.connection.timing.server.rtoStall == 0, "\(name)") }
    }

    /// The slow reader: 3.884 s receiver-window-limited by the kernel's count.
    @Test func receiverWindowLimitedTimeAgreesWithTheKernel() throws {
        let s = try Scenario("slow-reader")
        let kernel = s.counter("tcpi_rwnd_limited") / 1e6
        #expect(kernel > 3)
        let ours = s.connection.timing.server.rwndLimited
        #expect(Self.close(ours, kernel), "ours \(ours), kernel \(kernel)")
        #expect(s.connection.timing.diagnosis.cause == .rwndLimited)
        #expect(
            s.connection.findings.contains { $0.code == .rwndLimited && $0.senderIndex == s.connection.serverIndex })
    }

    /// Think time against the server's own clock: the gaps between the last request byte read and the first
    /// response byte written, 0.250, 0.400 and 0.150 s; the capture sits at the server, so the wire adds only
    /// the server's own scheduling.
    @Test func thinkTimeAgreesWithTheServersClock() throws {
        let s = try Scenario("think-time")
        let app = try #require(s.kernel["think_times_s"] as? [Double])
        #expect(app.count == 3)
        let server = s.connection.timing.server
        #expect(server.exchanges == app.count)
        #expect(abs(server.thinkTime - app.reduce(0, +)) <= 0.01 * app.reduce(0, +))
        #expect(abs(server.longestThink - app.max()!) <= 0.005)
        #expect(s.connection.timing.diagnosis.cause == .thinkTime)
        #expect(s.connection.timing.diagnosis.role == .server)
        #expect(s.connection.timing.capturePoint == .nearServer)
    }

    /// CLOSE_WAIT against the server's delay between reading EOF and closing (1.500 s).
    @Test func closeWaitAgreesWithTheApplication() throws {
        let s = try Scenario("delayed-close")
        let delay = try #require((s.kernel["close_delay_s"] as? NSNumber)?.doubleValue)
        let t = s.connection.timing
        #expect(t.closeWaitRole == .server)
        #expect(abs(try #require(t.closeWait) - delay) <= 0.01 * delay)
        #expect(t.diagnosis.cause == .closeWait)
        #expect(s.connection.findings.filter { $0.code == .closeWaitLong }.map(\.frame) == [8])
        // Above the threshold only: 2 s keeps it quiet.
        let relaxed = try Scenario("delayed-close", closeWaitThreshold: 2)
        #expect(!relaxed.connection.findings.contains { $0.code == .closeWaitLong })
    }

    /// The 1.5 s blackout: the server's timer fired three times, at 0.228, 0.452 and 0.928 s of silence after
    /// its previous transmission (tshark: frames 1083 → 1084 → 1085 → 1086 at 0.202792, 0.430803, 0.882800,
    /// 1.810801 s), the exponential backoff of RFC 6298 5.5.
    @Test func blackoutStallsOnTheTimer() throws {
        let s = try Scenario("blackout")
        let stalls = s.connection.findings.filter { $0.code == .rtoStall }
        #expect(stalls.map(\.frame) == [1084, 1085, 1086])
        let server = s.connection.timing.server
        #expect(server.rtoStalls == 3)
        #expect(abs(server.rtoStall - (0.228011 + 0.451997 + 0.928001)) < 1e-5)
        #expect(abs(server.longestStall - 0.928001) < 1e-6)
        #expect(s.connection.timing.diagnosis.cause == .rtoStall)
        #expect(s.counter("tcpi_total_retrans") > 0)
    }

    /// The diagnosis of each capture names what the scenario did.
    @Test func diagnosisOfEachCapture() throws {
        let expected: [String: Diagnosis.Cause] = [
            "slow-reader": .rwndLimited, "app-limited": .appLimited, "lossy": .lossRecovery,
            "think-time": .thinkTime, "delayed-close": .closeWait, "blackout": .rtoStall,
        ]
        for (name, cause) in expected {
            let s = try Scenario(name)
            #expect(s.connection.timing.diagnosis.cause == cause, "\(name): \(s.connection.timing.diagnosis.text)")
        }
    }

    /// Every direction's labels sum to the connection's duration within 1 µs, on every fixture (and a sample of
    /// the third-party corpus when it is present); the report's band covers the same time with the same sums.
    @Test func labelsPartitionEachDirectionsLife() throws {
        var files = CheckSession.captures(in: [fixture("")])
        let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        if FileManager.default.fileExists(atPath: corpus.path) {
            let all = (FileManager.default.enumerator(atPath: corpus.path)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            files += stride(from: 0, to: all.count, by: 10).map { corpus.appendingPathComponent(all[$0]).path }
        } else {
            print("TimingTests: \(corpus.path) is absent; the fixtures only")
        }
        var connections = 0
        for file in files {
            // (A corpus file the reader refuses has nothing to label: corpus-rejections.tsv lists why.)
            guard
                let analysis = try? Analyzer.analyze(
                    paths: [file], options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
            else {
                #expect(!file.hasPrefix(fixture("")), "\(file): a fixture that does not read")
                continue
            }
            for c in analysis.connections {
                connections += 1
                let t = c.timing
                for role in [Role.client, .server] {
                    #expect(
                        abs(t[role].total - t.duration) < 1e-6,
                        "\(file) #\(c.id) \(role): \(t[role].total) vs \(t.duration)")
                    guard let band = c.timingBand else { continue }
                    let index = role == .client ? c.clientIndex : c.serverIndex
                    let spans = band.decided.filter { $0.direction == index }
                    let covered = Double(spans.reduce(Int64(0)) { $0 + $1.end - $1.start }) / 1e9
                    #expect(abs(covered - t.duration) < 1e-6, "\(file) #\(c.id) band \(role)")
                    // Each label's spans add up to its total.
                    let d = t[role]
                    let totals: [String: Double] = [
                        "rto_stall": d.rtoStall, "loss_recovery": d.lossRecovery, "rwnd_limited": d.rwndLimited,
                        "busy": d.busy, "app_limited": d.appLimited, "idle": d.idle,
                    ]
                    for (label, total) in totals {
                        let ns = spans.filter { $0.label == label }.reduce(Int64(0)) { $0 + $1.end - $1.start }
                        #expect(abs(Double(ns) / 1e9 - total) < 1e-6, "\(file) #\(c.id) band \(label) \(role)")
                    }
                }
            }
        }
        #expect(connections > 100)
    }

    /// A SYN resent after 1.014 s (Fixtures/syn-retransmit.pcap, frames 1 and 2): the wait is the handshake's
    /// and an RTO stall of the client's.
    @Test func synRetransmissionIsAHandshakeWait() throws {
        let analysis = try Analyzer.analyze(paths: [fixture("syn-retransmit.pcap")], options: AnalysisOptions())
        let c = try #require(analysis.connections.first)
        let t = c.timing
        #expect(abs(try #require(t.synRetransmitWait) - 1.014094) < 1e-6)
        #expect(abs(t.client.rtoStall - 1.014094) < 1e-6)
        #expect(t.diagnosis.cause == .handshake)
        // Its own finding says so; rto-stall is for data.
        #expect(c.findings.contains { $0.code == .synRetransmit && $0.frame == 2 })
        #expect(!c.findings.contains { $0.code == .rtoStall })
    }
    // MARK: The rules, one byte-built flow each (PcapSynth; times in milliseconds from the first segment)

    /// A flow whose segments come at the times their `after` says (no step between them).
    static func flow(_ build: (inout FlowScript) -> Void) throws -> Connection {
        var f = FlowScript()
        f.step = 0
        build(&f)
        let a = try Analyzer.analyze(
            bytes: f.bytes, options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        return try #require(a.connections.first)
    }

    static let ms: Int64 = 1_000_000
    static let ack = PacketBuilder.Flag.ack

    /// A handshake 20 ms round trip at the server's side: SYN at 0, SYN-ACK at 0.1 ms, the client's ACK at 20 ms.
    static func handshake(_ f: inout FlowScript) {
        f.syn()
        f.synAck(after: ms / 10)
        f.ack(after: 20 * ms - ms / 10)
    }

    /// A fast retransmission lost again, then the timer's: the three duplicate ACKs came before the fast one,
    /// so the retransmission 500 ms later (nothing heard from the client for 490 ms) is an RTO stall of
    /// 500 ms, from the fast retransmission (the last transmission) to it.
    @Test func aLostFastRetransmissionEndsInATimeoutStall() throws {
        let c = try Self.flow { f in
            Self.handshake(&f)
            for k in 0..<4 { f.data(.server, 1000, after: k == 0 ? Self.ms : Self.ms / 10) }  // 21.0-21.3 ms
            f.ack(.client, ack: 5001 + 1000, after: 20 * Self.ms)  // 41.3: the first segment; the second is lost
            for _ in 0..<3 { f.ack(.client, ack: 5001 + 1000, after: Self.ms) }  // 42.3, 43.3, 44.3: duplicates
            f.data(.server, 1000, seq: 5001 + 1000, after: Self.ms)  // 45.3: fast retransmission, lost too
            f.data(.server, 1000, seq: 5001 + 1000, after: 500 * Self.ms)  // 545.3: the timer's
            f.ack(.client, ack: 5001 + 4000, after: 20 * Self.ms)  // 565.3: everything
        }
        let server = c.timing.server
        #expect(server.rtoStalls == 1)
        #expect(abs(server.rtoStall - 0.5) < 1e-6)
        // Frames: 1-3 the handshake, 4-7 the data, 8 the ACK, 9-11 the duplicates, 12 the fast retransmission,
        // 13 the timer's.
        #expect(c.findings.filter { $0.code == .rtoStall }.map(\.frame) == [13])
        // Loss recovery from the fast retransmission's frame until the stall, then to the ACK of everything.
        #expect(abs(server.lossRecovery - 0.020) < 1e-6)
        #expect(c.findings.contains { $0.code == .fastRetransmission && $0.frame == 12 })
    }

    /// One byte resent (unacknowledged: not a keep-alive) after 400 ms of silence is a timeout stall.
    @Test func aOneByteRetransmissionIsNotAKeepAlive() throws {
        let c = try Self.flow { f in
            Self.handshake(&f)
            f.data(.client, 1, after: Self.ms)  // 21 ms, lost
            f.data(.client, 1, seq: 1001, after: 400 * Self.ms)  // 421 ms: the same byte again
            f.ack(.server, ack: 1002, after: 20 * Self.ms)
        }
        #expect(c.timing.client.rtoStalls == 1)
        #expect(abs(c.timing.client.rtoStall - 0.4) < 1e-6)
        // The data phase agrees (RFC 9293 3.8.4: a keep-alive is sent with nothing unacknowledged).
        #expect(!c.findings.contains { $0.code == .keepAlive })
        #expect(c.findings.contains { $0.code == .retransmission && $0.frame == 5 })
    }

    /// A window with 1,000 bytes left, then 3 s with nothing to send, then 500 bytes (they fit): the 3 s were
    /// the application's, not the receiver's.
    @Test func dataThatFitsAfterAPauseIsNotWindowLimited() throws {
        let c = try Self.flow { f in
            Self.handshake(&f)
            f.data(.server, 1448, after: Self.ms)
            f.data(.server, 1448, after: Self.ms / 10)
            // The client acknowledges everything with a window of 8 << 7 = 1,024 bytes: under a segment.
            f.send(.client, flags: Self.ack, ack: 5001 + 2896, window: 8, after: 20 * Self.ms)
            f.data(.server, 500, after: 3_000 * Self.ms)
            f.ack(.client, after: 20 * Self.ms)
        }
        #expect(c.timing.server.rwndLimited == 0)
        #expect(!c.findings.contains { $0.code == .rwndLimited })
        // (Quiet both ways for 3 s: idle, beside the app-limited moments.)
        #expect(c.timing.server.appLimited + c.timing.server.idle >= 3.0)
    }

    /// The same closed window, but the client opens it (100 << 7) after 3 s and the server sends at once:
    /// the 3 s were the receiver's.
    @Test func dataTheMomentTheWindowOpensWasWindowLimited() throws {
        let c = try Self.flow { f in
            Self.handshake(&f)
            f.data(.server, 1448, after: Self.ms)
            f.data(.server, 1448, after: Self.ms / 10)
            f.send(.client, flags: Self.ack, ack: 5001 + 2896, window: 8, after: 20 * Self.ms)  // 41.1 ms
            f.send(.client, flags: Self.ack, ack: 5001 + 2896, window: 100, after: 3_000 * Self.ms)  // 3041.1
            f.data(.server, 1448, after: Self.ms / 10)  // 3041.2
            f.ack(.client, after: 20 * Self.ms)
        }
        // From the ACK that left less than a segment (41.1 ms) to the one that opened the window (3041.1 ms).
        #expect(abs(c.timing.server.rwndLimited - 3.0) < 1e-6)
        #expect(c.findings.contains { $0.code == .rwndLimited && $0.frame == 6 })
    }

    /// Request and response: the client's three segments over 20 ms, the server's answer 50 ms after the last;
    /// think time 50 ms, the client's run 20 ms (counted once).
    @Test func thinkAndRunTimes() throws {
        let c = try Self.flow { f in
            Self.handshake(&f)
            f.data(.client, 100, after: Self.ms)  // 21
            f.data(.client, 100, after: 10 * Self.ms)  // 31
            f.data(.client, 100, after: 10 * Self.ms)  // 41
            f.data(.server, 500, after: 50 * Self.ms)  // 91
            f.ack(.client, after: 20 * Self.ms)
        }
        #expect(c.timing.server.exchanges == 1)
        #expect(abs(c.timing.server.thinkTime - 0.050) < 1e-6)
        #expect(abs(c.timing.client.transferTime - 0.020) < 1e-6)
        #expect(c.timing.server.transferTime == 0)  // one segment
    }

    /// Without a SYN the window scale is unknown: no window-limited time, whatever the raw windows say.
    @Test func midStreamWindowsAreNotJudged() throws {
        let c = try Self.flow { f in
            for k in 0..<5 {
                f.data(.server, 1448, after: k == 0 ? 0 : Self.ms)
                f.send(.client, flags: Self.ack, window: 10, after: Self.ms / 10)  // raw 10: would be "full"
            }
        }
        #expect(c.timing.server.rwndLimited == 0)
        #expect(!c.findings.contains { $0.code == .rwndLimited })
    }

    /// A simultaneous open: each side's SYN-ACK repeats its SYN's sequence number, and is no retransmission.
    @Test func simultaneousOpenIsNoRecovery() throws {
        let c = try Self.flow { f in
            f.syn()
            f.send(.server, flags: PacketBuilder.Flag.syn, options: FlowScript.synOptions, after: Self.ms / 10)
            f.send(
                .client, flags: PacketBuilder.Flag.syn | Self.ack, seq: 1000, options: FlowScript.synOptions,
                after: Self.ms)
            f.send(
                .server, flags: PacketBuilder.Flag.syn | Self.ack, seq: 5000, options: FlowScript.synOptions,
                after: Self.ms / 10)
            f.data(.client, 100, after: Self.ms)
            f.ack(.server, after: Self.ms)
        }
        #expect(c.timing.client.lossRecovery == 0 && c.timing.server.lossRecovery == 0)
        #expect(c.timing.client.rtoStalls == 0 && c.timing.server.rtoStalls == 0)
    }
}
