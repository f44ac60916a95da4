import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// The compact structures behind bounded memory (issue #8): the TIME_WAIT table against a Dictionary model,
/// and the RTT reservoir against the quantiles of known samples.
@Suite struct TrackStorageTests {
    /// 4-tuple `i` of a pool: IPv4 for even `i`, IPv6 for odd, few ports so that keys share hash prefixes.
    private func key(_ i: Int) -> FlowKey {
        let client =
            i % 2 == 0
            ? IPAddress(ipv4: 0x0A00_0000 | UInt32(i / 7)) : IPAddress(ipv6High: 0xFD00 << 48, low: UInt64(i / 7))
        let server = i % 2 == 0 ? IPAddress(ipv4: 0xC000_0201) : IPAddress(ipv6High: 0xFD00 << 48 | 2, low: 1)
        var s = Segment.empty
        s.source = client
        s.destination = server
        s.sourcePort = UInt16(40000 + i % 7)
        s.destinationPort = 80
        return FlowKey(s)
    }

    private func record(id: Int, key: FlowKey, start: Int64) -> TimeWaitRecord {
        var s = Segment.empty
        s.source = key.lower.address; s.sourcePort = key.lower.port
        s.destination = key.upper.address; s.destinationPort = key.upper.port
        var c = Connection(
            id: id, key: key, first: s, frame: 1, time: Timestamp(nanoseconds: start), recordTimeline: false)
        c.sideA.timeWaitStart = Timestamp(nanoseconds: start)
        return TimeWaitRecord(c)
    }

    /// The 4-tuple hash spreads keys that differ in one field only over the low bits a table's bucket is
    /// chosen by: 65,536 such keys take at least 30,000 distinct values of the low 16 bits (a random function
    /// gives ~41,400; a hash in which the field misses some of those bits gives at most a few thousand).
    @Test func flowHashSpreadsKeysThatDifferInOneField() {
        func key(_ client: IPAddress, _ clientPort: UInt16, _ server: IPAddress, _ serverPort: UInt16) -> FlowKey {
            var s = Segment.empty
            s.source = client
            s.sourcePort = clientPort
            s.destination = server
            s.destinationPort = serverPort
            return FlowKey(s)
        }
        let client = IPAddress(ipv4: 0x0A00_0001), server = IPAddress(ipv4: 0x0A00_0002)
        let client6 = IPAddress(ipv6High: 0xFD00 << 48, low: 1), server6 = IPAddress(ipv6High: 0xFD00 << 48, low: 2)
        let variations: [(String, (UInt16) -> FlowKey)] = [
            ("client port", { key(client, $0, server, 8080) }),
            ("server port", { key(client, 40000, server, $0) }),
            ("client address", { key(IPAddress(ipv4: 0x0A01_0000 | UInt32($0)), 40000, server, 8080) }),
            ("IPv6 client port", { key(client6, $0, server6, 443) }),
            (
                "IPv6 client address",
                { key(IPAddress(ipv6High: 0xFD00 << 48, low: UInt64($0) << 32), 40000, server6, 443) }
            ),
        ]
        for seed in [0, 0x5DEE_CE66_D1CE_4E5B] {
            for (name, make) in variations {
                var low = Set<Int>()
                for v in 0...UInt16.max { low.insert(make(v)._rawHashValue(seed: seed) & 0xFFFF) }
                #expect(low.count >= 30_000, "\(name), seed \(seed): \(low.count) distinct low 16 bits")
            }
        }
    }

    @Test func timeWaitTableAgreesWithADictionary() {
        var table = TimeWaitRecords()
        var model: [FlowKey: (id: Int, start: Int64)] = [:]
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let window = 2.0
        var now: Int64 = 1_700_000_000_000_000_000
        var id = 0, lookups = 0, hits = 0
        for _ in 0..<40_000 {
            now += 1_000_000  // 1 ms
            let k = key(next(3_000))
            switch next(10) {
            case 0...4:
                id += 1
                table.insert(record(id: id, key: k, start: now), for: k)
                model[k] = (id, now)
            case 5...6:
                table.remove(k)
                model[k] = nil
            case 7:
                table.expire(now: Timestamp(nanoseconds: now), window: window)
                model = model.filter { Double(now - $0.value.start) / 1e9 <= window }
                #expect(table.count == model.count)
            default:
                lookups += 1
                let expected = model[k].flatMap { Double(now - $0.start) / 1e9 <= window ? $0.id : nil }
                let found = table.record(for: k, now: Timestamp(nanoseconds: now), window: window)?.connectionID
                if found != nil { hits += 1 }
                #expect(found == expected)
            }
        }
        // The run exercised both outcomes and kept many records at once (2 s of 1 ms steps).
        #expect(lookups > 5_000 && hits > 1_000)
        #expect(model.count > 500)
    }

    @Test func rttQuantilesAreExactUpToTheReservoirAndSampledBeyond() {
        var rtt = RTTStatistics()
        for i in 0..<200 { rtt.add(Double(i) / 1000) }
        // Nearest rank over 200 samples 0, 1, ..., 199 ms: the 100th and the 190th, exactly as added (the
        // samples are kept as Doubles: a Float would print 0.0989999994635582).
        #expect(rtt.quantile(0.5) == 0.099)
        #expect(rtt.quantile(0.95) == 0.189)
        // Below the reservoir size every quantile is the nearest-rank element of the sorted samples, for any
        // order and with repeated values (the selection must not depend on either).
        var state: UInt64 = 7
        for n in [1, 2, 3, 17, 100, 255, 256] {
            var stats = RTTStatistics()
            var values: [Double] = []
            for _ in 0..<n {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let v = Double((state >> 40) % 50) / 1000
                stats.add(v)
                values.append(v)
            }
            let sorted = values.sorted()
            for q in [0.0, 0.25, 0.5, 0.95, 1.0] {
                let rank = max(0, min(n - 1, Int((q * Double(n)).rounded(.up)) - 1))
                #expect(stats.quantile(q) == sorted[rank], "n \(n) q \(q)")
            }
        }
        // 100,000 samples spread evenly over 0...100 ms: count, min, max and mean stay exact; the quantiles
        // come from a uniform sample of 256 and land near 50 and 95 ms.
        var many = RTTStatistics()
        for i in 0..<100_000 { many.add(Double((i * 7_919) % 100_000) / 1_000_000) }
        #expect(many.count == 100_000)
        #expect(many.min == 0 && abs(many.max - 0.099999) < 1e-12)
        #expect(abs(many.mean - 0.0499995) < 1e-9)
        #expect(abs(many.quantile(0.5) - 0.05) < 0.01)
        #expect(abs(many.quantile(0.95) - 0.095) < 0.01)
    }
}

/// The reader → tracker hand-over (issue #8): segments packed into 64-byte items must come back unchanged, and a
/// stream longer than several batches must give the batch verdicts.
@Suite struct PipelineTests {
    @Test func everyFixtureSegmentSurvivesPacking() throws {
        var checked = 0, ipv6 = 0, sack = 0, timestamps = 0
        for path in CheckSession.captures(in: [fixture("")]) {
            let capture = try CaptureFile(path: path)
            let linkType = capture.linkType
            var frame = 0
            let storage = UnsafeMutablePointer<PipelineItem>.allocate(capacity: 1 << 16)
            defer { storage.deallocate() }
            var batch = SegmentBatch(storage: storage)
            var originals: [Segment] = []
            _ = capture.forEachPacket { record, bytes in
                frame += 1
                var segment = Segment.empty
                guard case .tcp = PacketDecoder.decode(bytes, linkType: linkType, into: &segment),
                    batch.count < 1 << 16
                else { return }
                let added = batch.append(segment, frame: frame, time: record.timestamp)
                #expect(added)
                // (The IP and TCP header offsets serve the reading thread only: checksums are verified
                // before a segment is packed, so they do not cross; the IP header's length does, as the
                // transport offset of an IP header at 0, for `Segment.ipLength`.)
                var crossing = segment
                crossing.networkOffset = 0
                crossing.transportOffset = segment.transportOffset - segment.networkOffset
                crossing.encapsulations = []  // (counted by the reading thread)
                crossing.tunnelMarks = TunnelMarks()  // (interned by the reading thread: `tunnel`, `tunnelPath`)
                originals.append(crossing)
            }
            var segment = Segment.empty
            for (i, original) in originals.enumerated() {
                _ = batch.unpack(i, into: &segment)
                #expect(segment == original, "\(path) segment \(i)")
                #expect(segment.ipLength == original.ipLength)
                checked += 1
                if original.source.isIPv6 { ipv6 += 1 }
                if original.options.sack.count > 0 { sack += 1 }
                if original.options.timestampValue != nil { timestamps += 1 }
            }
        }
        // The fixtures cover the packed item's side paths.
        #expect(checked > 20_000 && ipv6 > 0 && sack > 0 && timestamps > 0)
    }

    @Test func framesAndTimesComeBack() {
        let storage = UnsafeMutablePointer<PipelineItem>.allocate(capacity: 4)
        defer { storage.deallocate() }
        var batch = SegmentBatch(storage: storage)
        let a = batch.append(.empty, frame: 7, time: Timestamp(nanoseconds: -5))
        let b = batch.append(.empty, frame: 7 + Int(UInt32.max), time: Timestamp(nanoseconds: 1 << 62))
        // A frame more than 2^32 - 1 after the batch's first cannot be an offset: the batch must be sent first.
        let c = batch.append(.empty, frame: 8 + Int(UInt32.max), time: Timestamp(nanoseconds: 0))
        #expect(a && b && !c)
        var s = Segment.empty
        let first = batch.unpack(0, into: &s), second = batch.unpack(1, into: &s)
        #expect(first.frame == 7 && first.time == Timestamp(nanoseconds: -5))
        #expect(second.frame == 7 + Int(UInt32.max) && second.time == Timestamp(nanoseconds: 1 << 62))
        #expect(batch.count == 2)
    }

    @Test func aStreamOfSeveralBatchesGivesTheBatchVerdicts() throws {
        // 600 connections of 127 packets each, 2 ms apart: 76,200 packets, over two batches of 32,768, with
        // sweeps finalizing connections while later batches are still being read.
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        var records: [([UInt8], Int64)] = []
        let t0: Int64 = 1_700_000_000_000_000_000
        for k in 0..<600 {
            let start = t0 + Int64(k) * 2_000_000
            var f = FlowScript(
                client: k % 3 == 0 ? "fd00::1" : "10.0.0.1", clientPort: UInt16(20000 + k),
                server: k % 3 == 0 ? "fd00::2" : "10.0.0.2", start: start, link: .raw)
            f.handshake()
            for _ in 0..<60 { f.data(.client, 100); f.ack(.server) }
            f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
            records += RecordSplitter.records(f.bytes).enumerated().map {
                ($0.element, start + Int64($0.offset) * 10_000)
            }
        }
        records.sort { $0.1 < $1.1 }
        for (record, time) in records { writer.append(record, at: time) }
        #expect(records.count > 2 * SegmentChannel.batchSize)
        let path = try temporaryFile(writer.bytes)
        let batchAnalysis = try Analyzer.analyze(paths: [path])
        let sink = CollectingSink { TextReport.row($0) }
        let streamed = try Analyzer.analyze(paths: [path], options: AnalysisOptions(), into: sink)
        let rows = sink.record.chunks
        #expect(rows.count == 600)
        #expect(rows == batchAnalysis.connections.map { TextReport.row($0) })
        #expect(streamed.input.tcpSegments == records.count)
        #expect(streamed.totals.connections == 600)
    }
}

@Suite struct ProgressTextTests {
    @Test func theLineShowsBytesOfTheTotalWhenKnown() {
        var known = AnalysisProgress(segments: 1_000, connections: 5, bytesRead: 3_000_000, totalBytes: 12_000_000)
        known.unfinished = 2
        #expect(
            known.line(elapsed: 2)
                == "[#####---------------] 25% 3.0 of 12.0 MB, 1000 segments (500/s), 5 connections (2 not finished)")
        // Standard input: no size, no bar.
        let unknown = AnalysisProgress(segments: 10, connections: 1, bytesRead: 500, totalBytes: 0)
        #expect(unknown.line(elapsed: 1) == "10 segments (10/s), 1 connections (0 not finished)")
    }
}

/// The inline lists that replaced per-connection arrays (issue 21) behave as arrays, past their inline part.
@Suite struct InlineListTests {
    @Test func transitionListKeepsOrderBeyondItsInlinePart() {
        var list = TransitionList()
        var expected: [StateTransition] = []
        let states = TCPState.allCases
        for i in 0..<15 {
            let t = StateTransition(
                frame: i == 3 ? (1 << 40) + 7 : i * 1000 + 1, time: Timestamp(nanoseconds: Int64(i) * 1_000_003),
                state: states[i % states.count])
            list.append(t)
            expected.append(t)
        }
        #expect(Array(list) == expected)
        #expect(list.last == expected.last)
        list.removeLast()
        expected.removeLast()
        for _ in 0..<9 {
            list.removeLast()
            expected.removeLast()
        }
        #expect(Array(list) == expected)
        #expect(list.count == 5)
        // Every state survives its tag.
        for state in states { #expect(TCPState(tag: state.tag) == state) }
    }

    @Test func historyLettersKeepLettersAndSenders() {
        var letters = HistoryLetters()
        let word = Array("sahadtfrwgcsahadtfrwgcsahadtf".utf8)
        for (i, letter) in word.enumerated() { letters.append(letter, sender: i % 3 == 0 ? 1 : 0) }
        #expect(letters.count == word.count)
        for (i, letter) in word.enumerated() {
            #expect(letters[i].letter == letter)
            #expect(letters[i].sender == (i % 3 == 0 ? 1 : 0))
        }
    }
}
