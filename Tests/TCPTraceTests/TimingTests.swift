import Foundation
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
            guard
                let analysis = try? Analyzer.analyze(
                    paths: [file], options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
            else { continue }
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
                    let rto = Double(
                        spans.filter { $0.label == "rto_stall" }.reduce(Int64(0)) { $0 + $1.end - $1.start })
                    #expect(abs(rto / 1e9 - t[role].rtoStall) < 1e-6, "\(file) #\(c.id) band rto \(role)")
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
}
