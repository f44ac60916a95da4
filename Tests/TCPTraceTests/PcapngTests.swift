import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// pcapng files read by `PcapngReader`: several interfaces with different link types, snapshot lengths and
/// timestamp resolutions and offsets, several sections in either byte order, Simple and obsolete Packet
/// blocks, unknown blocks, damage. Built with PcapSynth's `PcapngWriter`; every expected figure comes from
/// the packets written here.
@Suite struct PcapngTests {
    /// The textbook connection (handshake, 100 bytes and its ACK, four-way close: 9 packets) from `clientPort` on `link`,
    /// starting `start` ns after the epoch, packets 1 ms apart; its frames with their times.
    static func connection(_ clientPort: UInt16, _ link: FlowScript.Link, start: Int64) -> [([UInt8], Int64)] {
        PcapWriter.records(SyntheticScenarios.connection(link, clientPort: clientPort, offset: start - t0).bytes)
    }

    /// The scenarios' start (`SyntheticScenarios.connection`'s offset 0).
    static let t0: Int64 = 1_700_000_000_000_000_000

    /// The `three-interfaces` scenario (SyntheticScenarios.swift) and what was written into it: each
    /// packet's interface, time and length, rebuilt here from the same connections.
    static func threeInterfaces() -> (bytes: [UInt8], frames: [(interface: Int, time: Int64, length: Int)]) {
        let starts: [Int64] = [0, 300_000, 2_000_000]
        var all: [(interface: Int, time: Int64, length: Int)] = []
        for (i, (port, link)) in [(40000, FlowScript.Link.ethernet), (40001, .raw), (40002, .sll2)].enumerated() {
            for (packet, time) in connection(UInt16(port), link, start: t0 + starts[i]) {
                all.append((i, time, packet.count))
            }
        }
        all.sort { ($0.time, $0.interface) < ($1.time, $1.interface) }
        return (scenario("three-interfaces"), all)
    }

    @Test func threeInterfacesWithTheirOwnLinkTypesAreAllRead() throws {
        let (bytes, frames) = Self.threeInterfaces()
        let path = try temporaryFile(bytes, name: "three.pcapng")
        // Record by record: times in each interface's resolution and offset, snapshot length applied.
        let capture = try CaptureFile(path: path)
        #expect(capture.readsRecordsDirectly && capture.linkTypes == [.ethernet, .raw, .linuxSLL2])
        var records: [PacketRecord] = []
        _ = capture.forEachPacket { record, bytes in
            records.append(record)
            #expect(bytes.count == Int(record.capturedLength))
        }
        #expect(records.count == 27)
        for (record, frame) in zip(records, frames) {
            #expect(record.timestamp.nanoseconds == frame.time)
            #expect(record.originalLength == UInt32(frame.length))
            #expect(record.capturedLength == UInt32(frame.interface == 2 ? min(96, frame.length) : frame.length))
            #expect(record.linkType == [LinkType.ethernet, .raw, .linuxSLL2][frame.interface])
        }
        // Analysed: three complete connections, each closed four-way, one per link type.
        let a = try Analyzer.analyze(paths: [path])
        #expect(a.connections.count == 3)
        #expect(a.connections.allSatisfy { $0.handshakeOutcome == .complete && $0.closeKind == .fourWay })
        #expect(a.connections.map(\.client.endpoint.port) == [40000, 40001, 40002])
        #expect(a.connections.allSatisfy { $0.client.payloadBytes == 100 })
        #expect(a.input.packets == 27 && a.input.tcpSegments == 27)
        #expect(a.input.linkTypes == [.ethernet, .raw, .linuxSLL2])
        #expect(!a.input.isDamaged)
        // The same through the streaming path and from memory.
        #expect(try stream(path).count == 3)
        let fromMemory = try Analyzer.analyze(bytes: bytes)
        #expect(fromMemory.connections.count == 3)
    }

    func stream(_ path: String) throws -> [Connection] {
        var sink = ModeAgreementTests.Collecting()
        _ = try Analyzer.stream(paths: [path], options: AnalysisOptions(), into: &sink)
        return sink.box.connections
    }

    @Test func sectionsInBothByteOrdersAndEveryPacketBlock() throws {
        // Section 1, big-endian, one Ethernet interface: the handshake as Enhanced Packet blocks, the data as
        // an obsolete Packet block, the other five packets as Simple Packet blocks (no timestamp: each takes
        // the previous packet's). Section 2, little-endian, a raw-IP interface: a second connection.
        let first = Self.connection(40000, .ethernet, start: Self.t0)
        var w = PcapngWriter()
        w.section(.big)
        w.interface(linkType: 1)
        for (packet, time) in first[0..<3] { w.enhanced(packet, interface: 0, at: time) }
        w.obsolete(first[3].0, interface: 0, at: first[3].1)
        for (packet, _) in first[4...] { w.simple(packet) }
        w.section(.little)
        w.interface(linkType: 101)
        for (packet, time) in Self.connection(40001, .raw, start: Self.t0 + 5_000_000_000) {
            w.enhanced(packet, interface: 0, at: time)
        }
        let path = try temporaryFile(w.bytes, name: "sections.pcapng")
        var times: [Int64] = []
        _ = try CaptureFile(path: path).forEachPacket { record, _ in times.append(record.timestamp.nanoseconds) }
        #expect(times.count == 18)
        #expect(Array(times[0..<4]) == first[0..<4].map(\.1))
        #expect(Array(times[4..<9]) == Array(repeating: first[3].1, count: 5))
        let a = try Analyzer.analyze(paths: [path])
        #expect(a.connections.count == 2)
        #expect(a.connections.allSatisfy { $0.closeKind == .fourWay })
        #expect(a.input.linkTypes == [.ethernet, .raw])
    }

    @Test func simplePacketBlocksTakeThePreviousTimestamp() throws {
        // The fixture: the connection's first packet in an Enhanced Packet Block at t0, the other eight in
        // Simple Packet Blocks (SyntheticScenarios.simplePackets), which carry no timestamp.
        let path = fixture("synthetic/simple-packets.pcapng")
        var times: [Int64] = [], lengths: [Int] = []
        _ = try CaptureFile(path: path).forEachPacket { record, bytes in
            times.append(record.timestamp.nanoseconds)
            lengths.append(bytes.count)
        }
        #expect(times == Array(repeating: Self.t0, count: 9))
        #expect(lengths == Self.connection(40000, .ethernet, start: Self.t0).map(\.0.count))
        let a = try Analyzer.analyze(paths: [path])
        #expect(a.connections.count == 1 && !a.input.isDamaged)
        let c = try #require(a.connections.first)
        #expect(c.handshakeOutcome == .complete && c.closeKind == .fourWay && c.client.payloadBytes == 100)
        #expect(c.start == c.end)
    }

    @Test func aCutFileKeepsThePacketsBeforeTheCut() throws {
        let (bytes, _) = Self.threeInterfaces()
        let path = try temporaryFile(Array(bytes.dropLast(30)), name: "cut.pcapng")
        let a = try Analyzer.analyze(paths: [path])
        #expect(a.input.isDamaged && a.input.packets == 26)
        #expect(a.input.files[0].damage?.contains("truncated pcapng dump file") == true)
        let r = try runCLI(["analyze", path])
        #expect(r.status == 3)
    }

    @Test func aBadSectionHeaderIsRefusedWithItsReason() throws {
        var w = PcapngWriter()
        w.section()
        var bytes = w.bytes
        bytes[12] = 2  // major version 2
        let path = try temporaryFile(bytes, name: "v2.pcapng")
        let r = try runCLI(["analyze", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("not a pcapng file tcptrace-swift can read: unsupported pcapng savefile version 2.0"))
        var noInterface = PcapngWriter()
        noInterface.section()
        let empty = try runCLI(["analyze", try temporaryFile(noInterface.bytes, name: "none.pcapng")])
        #expect(empty.status == 2 && empty.stderr.contains("describes no interface"))
    }
}

/// Solaris snoop files (RFC 1761), which libpcap does not read.
@Suite struct SnoopTests {
    @Test func aSnoopFileReadsAsItsPcapTwin() throws {
        let snoop = try temporaryFile(scenario("textbook-snoop"), name: "textbook.snoop")
        let pcap = try temporaryFile(scenario("textbook"), name: "textbook.pcap")
        var a: [PacketRecord] = [], b: [PacketRecord] = []
        var bytesA: [[UInt8]] = [], bytesB: [[UInt8]] = []
        let capture = try CaptureFile(path: snoop)
        #expect(capture.linkType == .ethernet && capture.readsRecordsDirectly)
        #expect(
            capture.forEachPacket {
                a.append($0); bytesA.append(Array($1))
            } == .endOfFile)
        _ = try CaptureFile(path: pcap).forEachPacket {
            b.append($0); bytesB.append(Array($1))
        }
        #expect(a.count == 7 && a == b && bytesA == bytesB)
        let analysis = try Analyzer.analyze(paths: [snoop])
        #expect(analysis.connections.count == 1 && analysis.connections[0].closeKind == .fourWay)
    }

    @Test func aBadSnoopFileIsRefusedOrCut() throws {
        var bytes = scenario("textbook-snoop")
        let cut = try temporaryFile(Array(bytes.dropLast(10)), name: "cut.snoop")
        let partial = try Analyzer.analyze(paths: [cut])
        #expect(partial.input.isDamaged && partial.input.packets == 6)
        bytes[15] = 9  // datalink 9: not one the decoder reads
        let r = try runCLI(["analyze", try temporaryFile(bytes, name: "other.snoop")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("not a snoop file tcptrace-swift can read: unsupported datalink type 9"))
    }
}

/// The project's own readers and the new link decoders on damaged input: thousands of deterministic
/// mutations of the pcapng, snoop and encapsulation fixtures must each end in an analysis or a named error,
/// never a trap or a hang.
@Suite struct OwnReaderMutationTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: ["three-interfaces", "textbook-snoop", "encapsulations-ethernet", "ieee80211", "radiotap"])
    func mutatedFilesAreReadOrRefused(_ name: String) throws {
        let original = scenario(name)
        var mix = Mix(state: UInt64(original.count))
        var analysed = 0, refused = 0
        for round in 0..<2000 {
            var bytes = original
            // A few bytes changed, sometimes a length field's worth at once; every 8th round cut short too.
            for _ in 0..<(1 + Int(mix.next() % 4)) {
                let at = Int(mix.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: mix.next())
            }
            if round % 8 == 0 { bytes = Array(bytes.prefix(Int(mix.next() % UInt64(bytes.count)) + 1)) }
            do {
                _ = try Analyzer.analyze(bytes: bytes, name: "\(name)-\(round)")
                analysed += 1
            } catch {
                refused += 1
            }
        }
        #expect(analysed + refused == 2000 && analysed > 0)
    }
}
