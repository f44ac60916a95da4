import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// The third-party corpus (../shared/corpus, see its README): every file is analysed or rejected with the
/// reason recorded in corpus-rejections.tsv; never a crash, trap, hang or runaway memory.
@Suite struct CorpusSweepTests {
    static let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    @Test func everyCorpusFileIsAnalysedOrRejectedWithItsReason() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else {
            print("CorpusSweepTests skipped: \(Self.corpus.path) is absent (it sits beside the project in CI)")
            return
        }
        let table = try String(
            contentsOfFile: packageRoot.appendingPathComponent("Tests/TCPTraceTests/corpus-rejections.tsv").path,
            encoding: .utf8)
        var rejections: [String: String] = [:]
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if fields.count == 2 { rejections[fields[0]] = fields[1] }
        }
        let files = (FileManager.default.enumerator(atPath: Self.corpus.path)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.hasPrefix("licenses/") && !$0.hasSuffix(".md") && !$0.hasSuffix(".tsv") }
            .filter {
                var d: ObjCBool = false
                return FileManager.default.fileExists(
                    atPath: Self.corpus.appendingPathComponent($0).path, isDirectory: &d) && !d.boolValue
            }
            .sorted()
        #expect(files.count > 2000)
        var analysed = 0, partial = 0, rejected = 0
        for file in files {
            // 20 s and 2 GiB of address space per file; the debug build needs under 1 s for any of them. Under
            // AddressSanitizer (ASAN_OPTIONS set by scripts/test.sh) the shadow memory needs terabytes of address
            // space, so only the time bound applies there.
            let limit = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil ? "ulimit -v 2097152; " : ""
            let r = try runCLI(
                [
                    "-c", limit + "exec timeout 20 \"$0\" analyze \"$1\" > /dev/null",
                    cliBinary.path, Self.corpus.appendingPathComponent(file).path,
                ], executable: "/bin/sh")
            switch r.status {
            case 0: analysed += 1
            case 3: partial += 1
            case 2:
                rejected += 1
                let reason = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
                let expected = rejections[file]
                #expect(expected != nil, "\(file) was rejected: \(reason)")
                if let expected { #expect(reason.contains(expected), "\(file): \(reason)") }
            default:
                Issue.record(
                    "\(file): exit status \(r.status) (crash, trap, timeout or memory): \(r.stderr.suffix(300))")
            }
        }
        #expect(rejected == rejections.count, "every listed rejection still happens")
        print(
            "corpus sweep: \(files.count) files: \(analysed) analysed, \(partial) analysed up to damage, "
                + "\(rejected) rejected"
        )
    }
}

/// Inputs a fuzz target once crashed on, replayed through the same paths.
@Suite struct FuzzRegressionTests {
    @Test func crashInputsNoLongerCrash() throws {
        let folder = packageRoot.appendingPathComponent("Tests/TCPTraceTests/FuzzRegressions")
        let inputs =
            (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0 != "README.md" } ?? []
        for name in inputs {
            let bytes = try Array(Data(contentsOf: folder.appendingPathComponent(name)))
            if name.hasPrefix("FuzzPacket"), let first = bytes.first {
                _ = Array(bytes.dropFirst()).withUnsafeBytes {
                    PacketDecoder.decode($0, linkType: LinkType.supported[Int(first) % LinkType.supported.count])
                }
            } else if let analysis = try? Analyzer.analyze(
                bytes: bytes, options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
            {
                _ = JSONReport.render(analysis)
                for c in analysis.connections { _ = LadderRenderer().render(c) }
            }
        }
        print("replayed \(inputs.count) fuzz regression input(s)")
    }
}

/// Hostile traffic written with the project's own writer: memory stays within the tracker's caps and the
/// run finishes.
@Suite struct HostileTrafficTests {
    /// A deterministic pseudo-random sequence (xorshift64*), so every run writes the same capture.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    func flood(_ count: Int, flags: UInt16) -> [UInt8] {
        var w = PcapWriter(linkType: PcapWriter.Link.raw)
        var r = Random(state: 0x9E37_79B9_7F4A_7C15)
        for i in 0..<count {
            let v = r.next()
            let source = "10.\(v >> 8 & 0xff).\(v >> 16 & 0xff).\(v >> 24 & 0xff)"
            let tcp = PacketBuilder.tcp(
                sourcePort: UInt16(truncatingIfNeeded: v >> 32) | 1024, destinationPort: 80,
                seq: UInt32(truncatingIfNeeded: v >> 16), ack: 1, flags: flags)
            w.append(
                PacketBuilder.ipv4(source: source, destination: "10.0.0.2", payload: tcp),
                at: 1_700_000_000_000_000_000 + Int64(i) * 1000)
        }
        return w.bytes
    }

    @Test func synFloodKeepsOnlyTheNewestAttempts() throws {
        let options = AnalysisOptions(tracker: TrackerOptions(maxHalfOpen: 5_000))
        let a = try Analyzer.analyze(bytes: flood(60_000, flags: PacketBuilder.Flag.syn), options: options)
        #expect(a.input.packets == 60_000)
        #expect(a.connections.count + a.evictedHalfOpen == 60_000 - duplicates(a))
        #expect(a.connections.count == 5_000)
        #expect(a.connections.allSatisfy { $0.handshakeOutcome == .synOnly })
        #expect(a.connections.first!.firstFrame > 50_000)  // the oldest were dropped first
        #expect(a.input.warnings.contains { $0.contains("half-open connection attempt(s) dropped") })
    }

    /// Random 4-tuples can repeat; a repeated SYN on a live tuple is a retransmission, not a new attempt.
    func duplicates(_ a: Analysis) -> Int {
        a.connections.reduce(0) { $0 + $1.client.synCount - 1 }
    }

    @Test func everyPacketANewConnectionStaysUnderTheCap() throws {
        let options = AnalysisOptions(tracker: TrackerOptions(maxConnections: 4_000))
        let a = try Analyzer.analyze(bytes: flood(30_000, flags: PacketBuilder.Flag.ack), options: options)
        #expect(a.connections.count == 4_000)
        // Each distinct 4-tuple is a connection: kept or dropped (a tuple drawn again after its connection was
        // dropped starts a new one, so count tuples in drawing order).
        var r = Random(state: 0x9E37_79B9_7F4A_7C15)
        var tuples = Set<UInt64>()
        for _ in 0..<30_000 {
            let v = r.next()
            tuples.insert((v >> 8 & 0xff_ffff) | (UInt64(UInt16(truncatingIfNeeded: v >> 32) | 1024) << 24))
        }
        #expect(a.evictedOther + a.connections.count >= tuples.count)
        #expect(a.evictedOther >= 26_000)
        #expect(a.connections.allSatisfy { $0.handshakeOutcome == .notSeen })
    }

    @Test func endlessRetransmissionsKeepAFixedNumberOfFindings() throws {
        var f = FlowScript()
        for _ in 0..<20_000 { f.syn(seq: 1000) }  // the same SYN, forever
        let a = try Analyzer.analyze(bytes: f.bytes)
        let c = try #require(a.connections.first)
        #expect(c.client.synCount == 20_000)
        let retransmits = c.findings.filter { $0.code == .synRetransmit }
        #expect(retransmits.count == Connection.maxFindingsPerCode)
        #expect(retransmits.last?.detail.contains("and 19899 more syn-retransmit not listed") == true)
        // The counts include those not listed: 19,999 retransmissions of the first SYN (the tally taken over at
        // 32 findings, below the cap, so no count is lost when it starts).
        #expect(Connection.tallyThreshold < Connection.maxFindingsPerCode)
        #expect(c.findingCount(of: .synRetransmit) == 19_999)
        #expect(c.findingCounts[.synRetransmit] == 19_999)
    }

    @Test func absurdWindowScaleAndOptions() throws {
        // Window scale 255 (RFC 7323 caps at 14), an option claiming 40 bytes, SACK with a 0-length block.
        var f = FlowScript()
        f.send(.client, flags: PacketBuilder.Flag.syn, options: [3, 3, 255] + PacketBuilder.Option.mss(0))
        f.send(.server, flags: PacketBuilder.Flag.syn | PacketBuilder.Flag.ack, options: [3, 3, 255, 30, 40, 1, 1])
        f.send(.client, flags: PacketBuilder.Flag.ack, options: PacketBuilder.Option.sack([(7, 7)]))
        f.data(.client, 10)
        let a = try Analyzer.analyze(
            bytes: f.bytes, options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        let c = try #require(a.connections.first)
        #expect(c.handshakeOutcome == .complete)
        #expect(c.client.synOptions?.windowScale == 255)
        #expect(ConnectionPictures.timeSequence(c, sender: c.clientIndex) != nil)
        _ = HTMLReport.render(a)
    }
}
