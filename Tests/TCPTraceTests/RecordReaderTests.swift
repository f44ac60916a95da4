import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Classic pcap files are read by `PcapRecordReader` instead of `pcap_next_ex`. It must hand out exactly
/// what libpcap hands out: the same records and bytes, and the same end (libpcap's message) on damage.
@Suite struct RecordReaderTests {
    /// Every record of a capture (time, lengths, a digest of the bytes) and how reading ended.
    struct ReadTrace: Equatable {
        var records: [PacketRecord] = []
        var digests: [UInt64] = []
        var end = ReadEnd.endOfFile
    }

    /// The records read, without the per-packet link type (only `PcapngReader` gives one; the comparison is
    /// of times, lengths and bytes).
    static func trace(_ capture: borrowing CaptureFile) -> ReadTrace {
        var t = ReadTrace()
        t.end = capture.forEachPacket { record, bytes in
            var record = record
            record.linkType = nil
            t.records.append(record)
            var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            t.digests.append(h)
            #expect(bytes.count == Int(record.capturedLength))
        }
        return t
    }

    /// The file read both ways, from disk and from memory; the direct reader must have been used when the
    /// file is classic pcap 2.4.
    static func bothWays(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> ReadTrace {
        let path = try temporaryFile(bytes)
        let direct = trace(try CaptureFile(path: path, directRecords: true))
        let libpcap = trace(try CaptureFile(path: path, directRecords: false))
        #expect(direct == libpcap, sourceLocation: sourceLocation)
        let inMemory = try bytes.withUnsafeBytes { raw in
            trace(try CaptureFile(bytes: raw, name: "memory", directRecords: true))
        }
        #expect(inMemory == libpcap, sourceLocation: sourceLocation)
        return direct
    }

    static func ethernetFrame(_ length: Int, fill: UInt8) -> [UInt8] {
        var frame = [UInt8](repeating: fill, count: length)
        frame[12] = 0x08; frame[13] = 0x00  // IPv4 ethertype; the rest need not decode
        return frame
    }

    @Test func sameRecordsAsLibpcapInEveryByteOrderAndPrecision() throws {
        for order in [PcapWriter.ByteOrder.little, .big] {
            for nanosecond in [false, true] {
                var w = PcapWriter(
                    linkType: PcapWriter.Link.ethernet, snapLength: 100, nanosecond: nanosecond,
                    byteOrder: order)
                w.append(Self.ethernetFrame(60, fill: 1), at: 1_700_000_000_123_456_789)
                w.append(Self.ethernetFrame(150, fill: 2), at: 1_700_000_001_000_000_001)  // cut to 100
                w.append(Self.ethernetFrame(14, fill: 3), at: 1_700_000_002_999_999_999)
                let t = try Self.bothWays(w.bytes)
                #expect(t.end == .endOfFile)
                #expect(t.records.map(\.capturedLength) == [60, 100, 14])
                #expect(t.records.map(\.originalLength) == [60, 150, 14])
                // Microsecond files lose the last three digits, as written.
                #expect(
                    t.records[0].timestamp.nanoseconds
                        == (nanosecond ? 1_700_000_000_123_456_789 : 1_700_000_000_123_456_000))
            }
        }
    }

    @Test func progressCountsTheWholeFileAtTheEndAndAfterDamage() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        w.append(Self.ethernetFrame(60, fill: 1), at: 1_700_000_000_000_000_000)
        for bytes in [w.bytes, w.bytes + [0x01, 0x02, 0x03]] {
            let capture = try CaptureFile(path: try temporaryFile(bytes))
            let direct = capture.readsRecordsDirectly, before = capture.bytesRead
            _ = capture.forEachPacket { _, _ in }
            let after = capture.bytesRead
            #expect(direct)
            #expect(before == 24)  // the file header, read by libpcap
            #expect(after == Int64(bytes.count))
        }
    }

    @Test func byteSwappedLinuxCookedCapturesStayWithLibpcap() throws {
        // libpcap rewrites CAN pseudo-headers in byte-swapped SLL/SLL2 files; the direct reader does not.
        let big = PcapWriter(linkType: PcapWriter.Link.linuxSLL, byteOrder: .big)
        let little = PcapWriter(linkType: PcapWriter.Link.linuxSLL, byteOrder: .little)
        let ethernet = PcapWriter(linkType: PcapWriter.Link.ethernet, byteOrder: .big)
        // (On a little-endian host, as every one this builds for: a big-endian file is the swapped one.)
        let swappedCooked = try CaptureFile(path: try temporaryFile(big.bytes)).readsRecordsDirectly
        let nativeCooked = try CaptureFile(path: try temporaryFile(little.bytes)).readsRecordsDirectly
        let swappedEthernet = try CaptureFile(path: try temporaryFile(ethernet.bytes)).readsRecordsDirectly
        #expect(!swappedCooked && nativeCooked && swappedEthernet)
    }

    @Test func aRecordHeaderCutShortEndsWithLibpcapsMessage() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        w.append(Self.ethernetFrame(60, fill: 1), at: 1_700_000_000_000_000_000)
        let t = try Self.bothWays(w.bytes + [0x01, 0x02])
        #expect(t.records.count == 1)
        #expect(t.end == .damaged(reason: "truncated dump file; tried to read 16 header bytes, only got 2"))
    }

    @Test func aPacketCutShortEndsWithLibpcapsMessage() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        w.append(Self.ethernetFrame(60, fill: 1), at: 1_700_000_000_000_000_000)
        w.appendRawRecord(
            seconds: 1_700_000_001, fraction: 0, capturedLength: 1000, originalLength: 1000,
            data: [UInt8](repeating: 7, count: 300))
        let t = try Self.bothWays(w.bytes)
        #expect(t.records.count == 1)
        #expect(t.end == .damaged(reason: "truncated dump file; tried to read 1000 captured bytes, only got 300"))
    }

    @Test func aRecordLongerThanTheSnapshotLengthIsCutAndTheRestSkipped() throws {
        // Snap length 64; a record claims 200 captured bytes and holds them: libpcap keeps 64, skips 136,
        // and the next record is read whole.
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 64)
        w.appendRawRecord(
            seconds: 1_700_000_000, fraction: 5, capturedLength: 200, originalLength: 200,
            data: Self.ethernetFrame(200, fill: 9))
        w.append(Self.ethernetFrame(40, fill: 4), at: 1_700_000_001_000_000_000)
        let t = try Self.bothWays(w.bytes)
        #expect(t.end == .endOfFile)
        #expect(t.records.map(\.capturedLength) == [64, 40])
        #expect(t.records.map(\.originalLength) == [200, 40])
        // Cut while skipping: the message counts what was read of the whole record.
        var cut = PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 64)
        cut.appendRawRecord(
            seconds: 1_700_000_000, fraction: 5, capturedLength: 200, originalLength: 200,
            data: Self.ethernetFrame(100, fill: 9))
        let c = try Self.bothWays(cut.bytes)
        #expect(c.records.isEmpty)
        #expect(c.end == .damaged(reason: "truncated dump file; tried to read 200 captured bytes, only got 100"))
    }

    @Test func anImpossibleCapturedLengthEndsWithLibpcapsMessage() throws {
        // Over the link type's maximum (262,144) and over the snapshot length, then over the maximum only.
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 65_535)
        w.appendRawRecord(seconds: 1, fraction: 0, capturedLength: 300_000, originalLength: 300_000, data: [])
        let t = try Self.bothWays(w.bytes)
        #expect(t.end == .damaged(reason: "invalid packet capture length 300000, bigger than snaplen of 65535"))
        var big = PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 400_000)
        big.appendRawRecord(seconds: 1, fraction: 0, capturedLength: 300_000, originalLength: 300_000, data: [])
        let b = try Self.bothWays(big.bytes)
        #expect(b.end == .damaged(reason: "invalid packet capture length 300000, bigger than maximum of 262144"))
    }

    @Test func timestampFieldsAreSignedAsInLibpcap() throws {
        // struct pcap_timeval holds 32-bit signed fields: 0x80000000 seconds reads as a date before 1970.
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        w.appendRawRecord(
            seconds: 0x8000_0000, fraction: 999_999, capturedLength: 14, originalLength: 14,
            data: Self.ethernetFrame(14, fill: 0))
        let t = try Self.bothWays(w.bytes)
        // (Unwrapped first: comparing an `Int64?` inside #expect trips AddressSanitizer in Swift Testing's
        // AnyHashable conversion.)
        let first = try #require(t.records.first)
        let expected: Int64 = -2_147_483_648 * 1_000_000_000 + 999_999_000
        #expect(first.timestamp.nanoseconds == expected)
    }

    /// A Simple Packet Block has no timestamp: libpcap gives it 0, tcptrace-swift the previous packet's
    /// (docs/inputs.md). The packets themselves are the same.
    static func simplePacketsAgainstLibpcap(_ bytes: [UInt8]) throws {
        let path = try temporaryFile(bytes, name: "simple-packets.pcapng")
        let direct = trace(try CaptureFile(path: path, directRecords: true))
        let libpcap = trace(try CaptureFile(path: path, directRecords: false))
        #expect(direct.digests == libpcap.digests && direct.end == .endOfFile && libpcap.end == .endOfFile)
        #expect(direct.records.map(\.capturedLength) == libpcap.records.map(\.capturedLength))
        let times = direct.records.map(\.timestamp.nanoseconds), theirs = libpcap.records.map(\.timestamp.nanoseconds)
        #expect(times.count == 9 && theirs.count == 9)
        #expect(times == Array(repeating: 1_700_000_000_000_000_000, count: 9))
        #expect(theirs == [1_700_000_000_000_000_000] + Array(repeating: 0, count: 8))
    }

    @Test func everyFixtureReadsTheSameBothWays() throws {
        let folder = packageRoot.appendingPathComponent("Fixtures")
        // (Fixtures/ and Fixtures/synthetic/.)
        let names = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(names.count >= 61)
        var direct = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            if bytes.withUnsafeBytes({
                PcapRecordReader.layout(ofHeader: UnsafeRawBufferPointer(rebasing: $0.prefix(24)))
            }) != nil {
                direct += 1
            }
            // (three-interfaces.pcapng and two-interface-copies.pcapng mix link types, which libpcap refuses:
            // PcapngTests and TunnelTests read them.)
            if name.hasSuffix("three-interfaces.pcapng") || name.hasSuffix("two-interface-copies.pcapng") { continue }
            if name.hasSuffix("simple-packets.pcapng") {
                try Self.simplePacketsAgainstLibpcap(bytes)
                continue
            }
            let t = try Self.bothWays(bytes)
            // (truncated.pcap is cut inside its last packet on purpose: 33 of its 66 bytes.)
            #expect(
                t.end
                    == (name == "truncated.pcap"
                        ? .damaged(reason: "truncated dump file; tried to read 66 captured bytes, only got 33")
                        : .endOfFile),
                "\(name)")
        }
        #expect(direct >= 55)  // most fixtures are classic pcap
    }

    @Test func everyCorpusFileReadsTheSameBothWays() throws {
        let corpus = CorpusSweepTests.corpus
        guard FileManager.default.fileExists(atPath: corpus.path) else {
            print("RecordReaderTests corpus comparison skipped: \(corpus.path) is absent")
            return
        }
        let files = (FileManager.default.enumerator(atPath: corpus.path)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.hasPrefix("licenses/") && !$0.hasSuffix(".md") && !$0.hasSuffix(".tsv") }.sorted()
        var compared = 0, damaged = 0, readFurther = 0
        for file in files {
            let path = corpus.appendingPathComponent(file).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let direct = try? CaptureFile(path: path, directRecords: true),
                let libpcap = try? CaptureFile(path: path, directRecords: false)
            else { continue }
            var a = Self.trace(direct), b = Self.trace(libpcap)
            // A damaged pcapng file is described in this project's words (PcapngReader), a pcap file in
            // libpcap's: for pcapng, the records and the fact of the damage must agree.
            if direct.readsRecordsDirectly && !libpcap.readsRecordsDirectly, case .damaged = a.end,
                case .damaged = b.end
            {
                a.end = .damaged(reason: "")
                b.end = .damaged(reason: "")
            }
            if case .damaged(let reason) = b.end, reason.contains("different from the") {
                // libpcap stops where a pcapng file's interfaces differ (link type, snapshot length);
                // PcapngReader reads on: what libpcap read must be the start of it.
                #expect(Array(a.records.prefix(b.records.count)) == b.records, "\(file)")
                #expect(Array(a.digests.prefix(b.digests.count)) == b.digests, "\(file)")
                #expect(a.records.count > b.records.count, "\(file)")
                readFurther += 1
                continue
            }
            #expect(a == b, "\(file)")
            compared += 1
            if case .damaged = a.end { damaged += 1 }
        }
        // The corpus holds over 2,000 readable captures, among them cut and fuzzed ones.
        #expect(compared > 2000 && damaged > 10)
        #expect(readFurther >= 8)
        print(
            "record readers agree on \(compared) corpus captures (\(damaged) damaged); on \(readFurther) "
                + "multi-interface pcapng files PcapngReader reads on where libpcap stops")
    }
}
