import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// `extract`: the frames of the chosen connections, written with their bytes, times and link types. Captures
/// are built here byte by byte (or are fixtures whose frame numbers were read with `tshark -r`); the expected
/// frame numbers come from how the packets were written, and the written file is read back with the project's
/// own reader and compared record by record with the input.
@Suite struct ExtractTests {
    static let t0: Int64 = 1_700_000_000_000_000_000

    /// One record as the project's reader gives it.
    struct Frame: Equatable {
        var timestamp: Timestamp
        var capturedLength: UInt32
        var originalLength: UInt32
        var linkType: LinkType
        var bytes: [UInt8]
    }

    /// Every record of the capture at `path`, with its link type (the packet's own, or the file's).
    static func frames(_ path: String) throws -> [Frame] {
        let capture = try CaptureFile(path: path)
        var frames: [Frame] = []
        _ = capture.forEachPacket { record, bytes in
            frames.append(
                Frame(
                    timestamp: record.timestamp, capturedLength: record.capturedLength,
                    originalLength: record.originalLength, linkType: record.linkType ?? capture.linkType,
                    bytes: Array(bytes)))
        }
        return frames
    }

    /// Extracts from `input` with `selection` into a new file named `name`; returns the result and the path.
    static func extract(
        _ input: [String], _ selection: ConnectionSelection = ConnectionSelection(), name: String = "out.pcap"
    ) throws -> (ExtractResult, String) {
        let out = try temporaryFile([], name: name)
        var options = AnalysisOptions(order: .finish)
        options.selection = selection
        return (try Extractor.extract(paths: input, options: options, to: out), out)
    }

    /// Checks that `out` holds exactly the input's frames `numbers` (1-based), byte for byte, with their times.
    static func expectFrames(
        _ out: String, are numbers: [Int], of input: [Frame], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let written = try frames(out)
        #expect(written == numbers.map { input[$0 - 1] }, sourceLocation: sourceLocation)
    }

    // MARK: Three connections, interleaved

    /// Three connections written interleaved (packets 1 ms apart within each):
    /// - 40000 starts at 0 ms: handshake, 100 bytes, their ACK, four-way close (9 packets);
    /// - 40002 starts at 0.25 ms: SYN, then RST-ACK (refused: 2 packets);
    /// - 40001 starts at 0.5 ms: handshake, 50 bytes, then the server's RST (5 packets).
    /// In time order the frames are 1 A, 2 C, 3 B, 4 A, 5 C, 6 B, 7 A, 8 B, 9 A, 10 B, 11 A, 12 B, 13-16 A, so
    /// the ids (by first frame) are A 1, C 2, B 3.
    static func threeConnections() -> [UInt8] {
        var a = FlowScript(clientPort: 40000, start: t0)
        a.handshake()
        a.data(.client, 100)
        a.ack(.server)
        a.fin(.client)
        a.ack(.server)
        a.fin(.server)
        a.ack(.client)
        var c = FlowScript(clientPort: 40002, start: t0 + 250_000)
        c.syn()
        c.rst(.server)
        var b = FlowScript(clientPort: 40001, start: t0 + 500_000)
        b.handshake()
        b.data(.client, 50)
        b.rst(.server)
        var all = [a, b, c].flatMap { PcapWriter.records($0.bytes) }
        all.sort { $0.1 < $1.1 }
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        for (packet, time) in all { w.append(packet, at: time) }
        return w.bytes
    }

    static let framesA = [1, 4, 7, 9, 11, 13, 14, 15, 16]
    static let framesC = [2, 5]
    static let framesB = [3, 6, 8, 10, 12]

    @Test func byIDStatePortAndFinding() throws {
        let path = try temporaryFile(Self.threeConnections())
        let input = try Self.frames(path)
        #expect(input.count == 16)

        var byID = ConnectionSelection()
        byID.ids = [1, 2]
        var (result, out) = try Self.extract([path], byID)
        #expect(result.connections == 2 && result.frames == 11 && result.format == .pcap)
        try Self.expectFrames(out, are: (Self.framesA + Self.framesC).sorted(), of: input)

        var refused = ConnectionSelection()
        refused.states = [.handshake(.refused)]
        (result, out) = try Self.extract([path], refused)
        #expect(result.ids == [2])
        try Self.expectFrames(out, are: Self.framesC, of: input)

        var reset = ConnectionSelection()
        reset.states = [.close(.reset)]
        reset.ports = [40001]
        (result, out) = try Self.extract([path], reset)
        #expect(result.ids == [3])
        try Self.expectFrames(out, are: Self.framesB, of: input)

        // The server's RST after data: connection 3 alone has a reset finding.
        var finding = ConnectionSelection()
        finding.findings = [.reset]
        (result, out) = try Self.extract([path], finding)
        #expect(result.ids == [3])
        try Self.expectFrames(out, are: Self.framesB, of: input)

        // Nothing chosen: a valid capture without packets, of the input's link type.
        var none = ConnectionSelection()
        none.ports = [9]
        (result, out) = try Self.extract([path], none)
        #expect(result.connections == 0 && result.frames == 0)
        #expect(try Self.frames(out).isEmpty)
        #expect(try CaptureFile(path: out).linkType == .ethernet)

        // No selector: every frame.
        (result, out) = try Self.extract([path])
        #expect(result.connections == 3 && result.traceConnections == 3)
        try Self.expectFrames(out, are: Array(1...16), of: input)
    }

    @Test func severalFilesAreOneTrace() throws {
        // The three connections split in two files given in the wrong order: frames run on in time order.
        let all = PcapWriter.records(Self.threeConnections())
        var first = PcapWriter(linkType: PcapWriter.Link.ethernet)
        var second = PcapWriter(linkType: PcapWriter.Link.ethernet)
        for (n, (packet, time)) in all.enumerated() {
            if n < 6 { first.append(packet, at: time) } else { second.append(packet, at: time) }
        }
        let a = try temporaryFile(first.bytes, name: "a.pcap")
        let b = try temporaryFile(second.bytes, name: "b.pcap")
        let input = try Self.frames(a) + Self.frames(b)
        var selection = ConnectionSelection()
        selection.ids = [3]
        let (result, out) = try Self.extract([b, a], selection)
        #expect(result.frames == 5)
        try Self.expectFrames(out, are: Self.framesB, of: input)
    }

    // MARK: Formats

    @Test func aNanosecondCaptureStaysNanosecond() throws {
        var f = FlowScript(
            start: Self.t0 + 123_456_789, writer: PcapWriter(linkType: PcapWriter.Link.ethernet, nanosecond: true))
        f.step = 1_000_001  // every packet on an odd nanosecond
        f.handshake()
        f.data(.client, 10)
        f.rst(.server)
        let path = try temporaryFile(f.bytes)
        let input = try Self.frames(path)
        let (result, out) = try Self.extract([path])
        #expect(result.format == .pcap && result.frames == 5)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(Array(written.prefix(4)) == [0x4D, 0x3C, 0xB2, 0xA1])  // 0xa1b23c4d, little-endian
        try Self.expectFrames(out, are: Array(1...5), of: input)
        #expect(input[1].timestamp.nanoseconds == Self.t0 + 123_456_789 + 1_000_001)
    }

    /// A pcapng block: type and body (after the type and length, before the trailing length).
    static func blocks(_ bytes: [UInt8]) -> [(type: UInt32, body: [UInt8])] {
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        var result: [(UInt32, [UInt8])] = []
        var at = 0
        while at + 12 <= bytes.count {
            let length = Int(word(at + 4))
            guard length >= 12, at + length <= bytes.count, Int(word(at + length - 4)) == length else { break }
            result.append((word(at), Array(bytes[(at + 8)..<(at + length - 4)])))
            at += length
        }
        return result
    }

    /// The options of a block body from `start`: code and value.
    static func options(_ body: [UInt8], from start: Int) -> [(code: UInt16, value: [UInt8])] {
        var result: [(UInt16, [UInt8])] = []
        var at = start
        while at + 4 <= body.count {
            let code = UInt16(body[at]) | UInt16(body[at + 1]) << 8
            let length = Int(UInt16(body[at + 2]) | UInt16(body[at + 3]) << 8)
            if code == 0 { break }
            result.append((code, Array(body[(at + 4)..<(at + 4 + length)])))
            at += 4 + (length + 3) / 4 * 4
        }
        return result
    }

    @Test func severalLinkTypesGivePcapngWithTheirInterfacesAndFrameComments() throws {
        // three-interfaces: 40000 on Ethernet (µs), 40001 on raw IP (ns), 40002 on SLL2 (ms, snap length 96),
        // 9 packets each; PcapngTests.threeInterfaces lists each frame's interface in file order.
        let (bytes, layout) = PcapngTests.threeInterfaces()
        let path = try temporaryFile(bytes, name: "three.pcapng")
        let input = try Self.frames(path)
        let expected = layout.indices.filter { layout[$0].interface != 0 }.map { $0 + 1 }
        #expect(expected.count == 18)
        var selection = ConnectionSelection()
        selection.ports = [40001, 40002]
        // Asked for .pcap: the frames have two link types, so the file is pcapng anyway, and the result says so.
        let (result, out) = try Self.extract([path], selection, name: "mixed.pcap")
        #expect(result.format == .pcapng && result.frames == 18)
        #expect(result.notes.contains { $0.contains("written as pcapng") })
        try Self.expectFrames(out, are: expected, of: input)
        // The blocks: a section header, an interface per source interface (before its first packet), and
        // each packet with its frame number as a comment.
        let all = Self.blocks(try [UInt8](Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(all.first?.type == 0x0A0D_0D0A)
        let interfaces = all.filter { $0.type == 1 }
        #expect(interfaces.count == 2)
        // Raw IP (LINKTYPE_RAW 101) at 10^-9 comes first (40001 opens before 40002); SLL2 (276) in µs, snap 96.
        #expect(interfaces.map { UInt16($0.body[0]) | UInt16($0.body[1]) << 8 } == [101, 276])
        let snapLengths = interfaces.map { block -> UInt32 in
            block.body[4..<8].reversed().reduce(UInt32(0)) { value, byte in value << 8 | UInt32(byte) }
        }
        #expect(snapLengths == [262_144, 96])
        #expect(Self.options(interfaces[0].body, from: 8).map(\.code) == [9])
        #expect(Self.options(interfaces[0].body, from: 8).first?.value == [9])
        #expect(Self.options(interfaces[1].body, from: 8).isEmpty)
        let packets = all.filter { $0.type == 6 }
        let comments = packets.map { block -> String in
            let captured = Int(UInt32(block.body[12]) | UInt32(block.body[13]) << 8)
            let comment = Self.options(block.body, from: 20 + (captured + 3) / 4 * 4).first { $0.code == 1 }
            return String(decoding: comment?.value ?? [], as: UTF8.self)
        }
        #expect(comments == expected.map { "frame \($0)" })
        // tshark reads it (when installed): the same number of packets.
        if let count = Self.tsharkCount(out) { #expect(count == 18) }
    }

    @Test func oneLinkTypeOfAMultiInterfaceFileGivesClassicPcap() throws {
        let (bytes, layout) = PcapngTests.threeInterfaces()
        let path = try temporaryFile(bytes, name: "three.pcapng")
        let input = try Self.frames(path)
        var selection = ConnectionSelection()
        selection.ports = [40001]
        let (result, out) = try Self.extract([path], selection)
        #expect(result.format == .pcap && result.frames == 9)
        let file = try CaptureFile(path: out)
        #expect(file.linkType == .raw && file.sourceInterface(0).nanosecond)
        let expected = layout.indices.filter { layout[$0].interface == 1 }.map { $0 + 1 }
        // (Read back from classic pcap, the records carry no link type of their own: the file's is RAW.)
        try Self.expectFrames(out, are: expected, of: input)
        // Named otherwise, the same frames go to pcapng.
        let (other, _) = try Self.extract([path], selection, name: "out.pcapng")
        #expect(other.format == .pcapng && other.frames == 9)
    }

    /// Packets tshark reads from `path`; nil when tshark is not installed.
    static func tsharkCount(_ path: String) -> Int? {
        let candidates = ["/usr/bin/tshark", "/usr/local/bin/tshark"]
        guard let tshark = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-r", path, "-T", "fields", "-e", "frame.number"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").count
    }

    @Test func lateSegmentsGoWithTheirConnection() throws {
        // Connection 40000 closes four-way (frames 1-9, 1 ms apart), the client in TIME_WAIT; 2 s later, past
        // its linger (1 s at most) and inside 2·MSL, the server resends its FIN and the client ACKs it again
        // (frames 11 and 12): late segments of connection 1. Connection 40001 (frame 10, a lone SYN at 1.5 s)
        // is another connection.
        var a = FlowScript(clientPort: 40000, start: Self.t0)
        a.handshake()
        a.data(.client, 100)
        a.ack(.server)
        a.fin(.client)
        a.ack(.server)
        let serverFin = a.serverNext
        a.fin(.server)
        a.ack(.client)
        a.fin(.server, seq: serverFin, after: 2_000_000_000)
        a.ack(.client)
        var b = FlowScript(clientPort: 40001, start: Self.t0 + 1_500_000_000)
        b.syn()
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        for (packet, time) in (PcapWriter.records(a.bytes) + PcapWriter.records(b.bytes)).sorted(by: { $0.1 < $1.1 }) {
            w.append(packet, at: time)
        }
        let path = try temporaryFile(w.bytes)
        let input = try Self.frames(path)
        #expect(input.count == 12)
        var selection = ConnectionSelection()
        selection.ids = [1]
        let (result, out) = try Self.extract([path], selection)
        #expect(result.lateSegments == 2)
        try Self.expectFrames(out, are: [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12], of: input)
        // analyze counts the two in no connection: connection 1 has 9 packets.
        let analysis = try Analyzer.analyze(paths: [path])
        #expect(analysis.input.notes.contains(Tracker.lateSegmentsNote(2)))
        #expect(analysis.connections.first.map { $0.client.packets + $0.server.packets } == 9)
    }

    // MARK: Fragments and ICMP errors

    static func ethernet(_ ip: [UInt8], v6: Bool = false) -> [UInt8] {
        PacketBuilder.ethernet(ip, etherType: v6 ? 0x86DD : 0x0800)
    }

    /// A fragmented IPv4 segment of `f` (client to server, `payload` bytes split after 24 bytes of TCP
    /// payload) with identification `id`: the first fragment (TCP header + 24 bytes) and the rest.
    static func fragments(_ f: FlowScript, payload: Int, id: UInt16) -> (first: [UInt8], rest: [UInt8]) {
        let tcp = PacketBuilder.tcp(
            sourcePort: f.clientPort, destinationPort: f.serverPort, seq: f.clientNext, ack: f.serverNext,
            flags: PacketBuilder.Flag.ack | PacketBuilder.Flag.psh, window: 65535, options: [],
            payload: Array(repeating: 0x62, count: payload))
        let first = PacketBuilder.ipv4(
            source: f.clientAddress, destination: f.serverAddress, payload: Array(tcp[0..<(20 + 24)]),
            identification: id, moreFragments: true)
        let rest = PacketBuilder.ipv4(
            source: f.clientAddress, destination: f.serverAddress, payload: Array(tcp[(20 + 24)...]),
            identification: id, fragmentOffset: UInt16((20 + 24) / 8))
        return (ethernet(first), ethernet(rest))
    }

    /// An ICMPv4 error of `type` from a router, quoting the IPv4 header and first 8 bytes of a TCP segment
    /// from `source:sourcePort` to `destination:destinationPort`.
    static func icmpError(
        type: UInt8, from source: String, _ sourcePort: UInt16, to destination: String, _ destinationPort: UInt16
    ) -> [UInt8] {
        let quotedTCP = PacketBuilder.tcp(
            sourcePort: sourcePort, destinationPort: destinationPort, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn,
            window: 1024, options: [], payload: [])
        let quoted = PacketBuilder.ipv4(source: source, destination: destination, payload: Array(quotedTCP.prefix(8)))
        let icmp: [UInt8] = [type, 1, 0, 0, 0, 0, 0, 0] + quoted
        return ethernet(
            PacketBuilder.ipv4(source: "192.0.2.1", destination: source, payload: icmp, protocolNumber: 1))
    }

    /// Connection 40000 (chosen) sends a segment in two IPv4 fragments and gets an ICMP time exceeded quoting
    /// it; connection 40001 (not chosen) gets fragments and an ICMP error of its own. Frames:
    /// 1 A SYN, 2 A SYN-ACK, 3 A ACK, 4 B SYN, 5 A first fragment, 6 B SYN-ACK, 7 A second fragment,
    /// 8 B first fragment (same id as A's, other addresses' datagram), 9 B second fragment, 10 ICMP quoting A,
    /// 11 ICMP quoting B, 12 A ACK from the server, 13 an ICMP echo request (unrelated).
    static func fragmentsAndICMP() -> [UInt8] {
        var a = FlowScript(client: "10.0.0.1", clientPort: 40000, server: "10.0.0.2", start: t0)
        a.handshake()
        var b = FlowScript(client: "10.0.0.3", clientPort: 40001, server: "10.0.0.2", start: t0 + 2_500_000)
        b.syn()
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        var aFrames = PcapWriter.records(a.bytes)
        var bFrames = PcapWriter.records(b.bytes)
        let aFragments = fragments(a, payload: 60, id: 77)
        b.synAck()
        bFrames = PcapWriter.records(b.bytes)
        let bFragments = fragments(b, payload: 40, id: 77)
        a.clientNext &+= 60
        a.ack(.server, after: 10_000_000)
        aFrames = PcapWriter.records(a.bytes)
        let ms: Int64 = 1_000_000
        let echo = ethernet(
            PacketBuilder.ipv4(
                source: "10.0.0.9", destination: "10.0.0.1", payload: [8, 0, 0, 0, 0, 1, 0, 1], protocolNumber: 1))
        let sequence: [([UInt8], Int64)] = [
            aFrames[0], aFrames[1], aFrames[2], bFrames[0], (aFragments.first, t0 + 3 * ms), bFrames[1],
            (aFragments.rest, t0 + 4 * ms), (bFragments.first, t0 + 5 * ms), (bFragments.rest, t0 + 6 * ms),
            (icmpError(type: 11, from: "10.0.0.1", 40000, to: "10.0.0.2", 80), t0 + 7 * ms),
            (icmpError(type: 3, from: "10.0.0.3", 40001, to: "10.0.0.2", 80), t0 + 8 * ms),
            aFrames[3], (echo, aFrames[3].1 + ms),
        ]
        for (packet, time) in sequence { w.append(packet, at: time) }
        return w.bytes
    }

    @Test func fragmentsAndICMPErrorsGoWithTheirConnection() throws {
        let path = try temporaryFile(Self.fragmentsAndICMP())
        let input = try Self.frames(path)
        #expect(input.count == 13)
        var selection = ConnectionSelection()
        selection.ports = [40000]
        var (result, out) = try Self.extract([path], selection)
        #expect(result.connections == 1 && result.fragments == 1 && result.icmpErrors == 1)
        try Self.expectFrames(out, are: [1, 2, 3, 5, 7, 10, 12], of: input)
        selection.ports = [40001]
        (result, out) = try Self.extract([path], selection)
        try Self.expectFrames(out, are: [4, 6, 8, 9, 11], of: input)
    }

    @Test func relatedPacketsAreDecodedAndShortOnesNeverTrap() throws {
        let a = FlowScript(client: "10.0.0.1", clientPort: 40000, server: "10.0.0.2")
        let (first, rest) = Self.fragments(a, payload: 60, id: 77)
        let key = FragmentKey(
            source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!, identification: 77)
        #expect(Self.related(first) == .fragment(key, first: true))
        #expect(Self.related(rest) == .fragment(key, first: false))
        let icmp = Self.icmpError(type: 3, from: "10.0.0.1", 40000, to: "10.0.0.2", 80)
        let client = Endpoint(address: IPAddress("10.0.0.1")!, port: 40000)
        let server = Endpoint(address: IPAddress("10.0.0.2")!, port: 80)
        #expect(Self.related(icmp) == .icmpError(source: client, destination: server))
        // ICMPv6 packet too big (2) quotes too, but is not an error that ends a connection: not taken.
        let v6client = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let v6server = Endpoint(address: IPAddress("2001:db8::2")!, port: 443)
        for (type, expected) in [(UInt8(1), true), (3, true), (2, false)] {
            let quotedTCP = PacketBuilder.tcp(
                sourcePort: 40000, destinationPort: 443, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn, window: 1,
                options: [], payload: [])
            let quoted = PacketBuilder.ipv6(source: "2001:db8::1", destination: "2001:db8::2", payload: quotedTCP)
            let icmp6 = Self.ethernet(
                PacketBuilder.ipv6(
                    source: "2001:db8::ff", destination: "2001:db8::1", payload: [type, 0, 0, 0, 0, 0, 0, 0] + quoted,
                    nextHeader: 58),
                v6: true)
            #expect(
                Self.related(icmp6) == (expected ? .icmpError(source: v6client, destination: v6server) : .unrelated))
        }
        // An IPv6 fragment of a TCP datagram (fragment header: offset 2 × 8 bytes, identification 0x01020304).
        let v6fragment = Self.ethernet(
            PacketBuilder.ipv6(
                source: "2001:db8::1", destination: "2001:db8::2", payload: [UInt8](repeating: 0, count: 16),
                extensionHeaders: [(44, [0, 16, 1, 2, 3, 4])]), v6: true)
        let v6key = FragmentKey(
            source: IPAddress("2001:db8::1")!, destination: IPAddress("2001:db8::2")!, identification: 0x0102_0304)
        #expect(Self.related(v6fragment) == .fragment(v6key, first: false))
        // Every prefix of each packet decodes to something (a cut ICMP is truncated, never a trap).
        for packet in [first, rest, icmp, v6fragment] {
            for n in 0...packet.count { _ = Self.related(Array(packet.prefix(n))) }
        }
        if case .truncated = Self.related(Array(icmp.prefix(14 + 20 + 8 + 10))) {
        } else {
            Issue.record("a quoted header cut short should be truncated")
        }
    }

    @Test func laterFragmentsWithinTheWindowAndICMPAfterTheConnection() throws {
        // ChosenFrames on its own: connection 1 is chosen; its first fragment (id 77) comes at t0.
        let a = FlowScript(client: "10.0.0.1", clientPort: 40000, server: "10.0.0.2")
        let (first, rest) = Self.fragments(a, payload: 60, id: 77)
        let icmp = Self.icmpError(type: 3, from: "10.0.0.1", 40000, to: "10.0.0.2", 80)
        let ethernet = SourceInterface(linkType: .ethernet, snapLength: 0, nanosecond: false)
        func visit(_ at: Int64, connection: Int = 0, firstFragment: Bool = false) -> TraceFrame {
            var frame = TraceFrame(
                number: 1,
                record: PacketRecord(timestamp: Timestamp(nanoseconds: at), capturedLength: 0, originalLength: 0),
                source: 0, interface: ethernet)
            if connection > 0 {
                frame.connection = connection
                frame.isSegment = true
                frame.isFirstFragment = firstFragment
                frame.endpoints = EndpointPair(
                    Endpoint(address: IPAddress("10.0.0.1")!, port: 40000),
                    Endpoint(address: IPAddress("10.0.0.2")!, port: 80))
            }
            return frame
        }
        var chosen = ChosenFrames(ids: [1], window: 60_000_000_000)
        func kind(_ frame: TraceFrame, _ bytes: [UInt8]) -> ChosenFrames.Kind? {
            bytes.withUnsafeBytes { chosen.kind(of: frame, $0) }
        }
        // Before any segment of the connection: the ICMP error and the later fragment belong to nothing.
        #expect(kind(visit(Self.t0 - 1), icmp) == nil)
        #expect(kind(visit(Self.t0 - 1), rest) == nil)
        // Another connection's segment is not chosen.
        #expect(kind(visit(Self.t0, connection: 2), first) == nil)
        #expect(kind(visit(Self.t0, connection: 1, firstFragment: true), first) == .segment)
        #expect(kind(visit(Self.t0 + 59_000_000_000), rest) == .fragment)
        #expect(kind(visit(Self.t0 + 61_000_000_000), rest) == nil)
        #expect(kind(visit(Self.t0 + 61_000_000_000), icmp) == .icmpError)
    }

    static func related(_ bytes: [UInt8]) -> RelatedPacket {
        bytes.withUnsafeBytes { PacketDecoder.related($0, linkType: .ethernet) }
    }

    // MARK: Fixtures and the command line

    @Test func everyFrameOfAFixtureWithoutSelector() throws {
        // bulk-loss-mid.pcap: one connection, 374 frames (tshark -r: 374 lines, all TCP).
        let path = fixture("bulk-loss-mid.pcap")
        let input = try Self.frames(path)
        let (result, out) = try Self.extract([path])
        #expect(result.connections == 1 && result.frames == 374)
        try Self.expectFrames(out, are: Array(1...374), of: input)
    }

    @Test func standardInputIsRefused() throws {
        let out = try temporaryFile([], name: "x.pcap")
        let r = try runCLI(["extract", "-", "-w", out], stdin: Data(Self.threeConnections()))
        #expect(r.status == 2)
        #expect(r.stderr.contains("reads its input twice"))
        // An output that cannot be written is refused before anything is read.
        let bad = try runCLI(["extract", fixture("rst-client.pcap"), "-w", "/nonexistent-folder/x.pcap"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "tcptrace-swift: /nonexistent-folder/x.pcap: cannot write: No such file or directory\n")
    }

    @Test func aTruncatedCaptureWritesWhatWasReadAndExits3() throws {
        // truncated.pcap: tshark -r reads 10 frames and says the file was cut short in the middle of a packet.
        let path = fixture("truncated.pcap")
        let out = try temporaryFile([], name: "cut.pcap")
        let r = try runCLI(["extract", path, "-w", out])
        #expect(r.status == 3)
        #expect(r.stderr.contains("capture cut off after 10 packets"))
        #expect(r.stderr.contains("extract: 1 connection, 10 frames → \(out)"))
        try Self.expectFrames(out, are: Array(1...10), of: Self.frames(path))
    }

    @Test func commandLineSummaryAndAMissingID() throws {
        let path = try temporaryFile(Self.threeConnections())
        let out = try temporaryFile([], name: "sel.pcap")
        var r = try runCLI(["extract", path, "-w", out, "--state", "refused", "--connection", "2"])
        #expect(r.status == 0)
        #expect(r.stderr == "extract: 1 connection, 2 frames → \(out)\n")
        // A BPF expression chooses the connections with a frame it matches (connection 3 is port 40001).
        r = try runCLI(["extract", path, "-w", out, "--filter", "tcp port 40001"])
        #expect(r.status == 0)
        try Self.expectFrames(out, are: Self.framesB, of: Self.frames(path))
        // An id the trace does not have: the others are written, exit 5.
        r = try runCLI(["extract", path, "-w", out, "--connection", "3", "--connection", "9"])
        #expect(r.status == 5)
        #expect(r.stderr.contains("no connection 9: the trace has 3"))
        #expect(try Self.frames(out).count == 5)
        // Nothing chosen: exit 0, an empty capture, and a line that says so.
        r = try runCLI(["extract", path, "-w", out, "--port", "9"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("no connection chosen"))
        #expect(try Self.frames(out).isEmpty)
    }
}
