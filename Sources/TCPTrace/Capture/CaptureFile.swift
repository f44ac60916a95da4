internal import CPcap
import Foundation

/// An open offline capture (pcap or pcapng). A classic pcap file is opened and checked by libpcap (it owns
/// its `pcap_t` and closes it on deinit); its records (format 2.4) are then read by `PcapRecordReader`, which
/// gives the same records and messages without libpcap's copy of every packet. A pcapng file (a regular
/// file, or bytes in memory) is read by `PcapngReader`, which takes what libpcap refuses: interfaces with
/// different link types. From standard input, both go through libpcap.
///
/// The file is opened with `fopen` and a 64 KiB stdio buffer, then handed to `pcap_fopen_offline`: libpcap's
/// own `pcap_open_offline` reads 4 KiB per read(2), which takes 40 to 60 % longer on large files (a bare read
/// loop over 7.6 GB in the page cache: 1.03 s with 4 KiB reads, 0.72 s with 1 MiB, 0.63 s with 64 KiB, whose
/// buffer stays in the core's L2 cache between the kernel's copy and libpcap's).
/// Timestamps are requested in nanoseconds, so microsecond files are scaled by libpcap.
public struct CaptureFile: ~Copyable {
    /// libpcap's handle, nil for a file read by `PcapngReader`.
    private let handle: OpaquePointer?
    /// A pcapng or snoop file read by this project's own reader, and the FILE whose descriptor it reads
    /// (closed on deinit; nil for bytes in memory).
    private var own: OwnReader?
    private var ownFile: UnsafeMutablePointer<FILE>?

    /// The captures read without libpcap, told apart by their first bytes.
    private enum OwnReader {
        /// pcapng, block by block (libpcap refuses interfaces with different link types).
        case pcapng(PcapngReader)
        /// Solaris snoop (RFC 1761), which libpcap does not read.
        case snoop(SnoopReader)

        var bytesRead: Int64 {
            switch self {
            case .pcapng(let reader): reader.bytesRead
            case .snoop(let reader): reader.bytesRead
            }
        }

        func forEachPacket(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
            switch self {
            case .pcapng(let reader): try reader.forEachPacket(body)
            case .snoop(let reader): try reader.forEachPacket(body)
            }
        }
    }
    /// The stdio buffer of a file opened by path (freed after libpcap has closed the FILE).
    private let readBuffer: UnsafeMutablePointer<CChar>?
    /// For a classic pcap file (from a path or memory): its records are read without libpcap's per-packet copy.
    private var records: PcapRecordReader?  // (set once, in init)
    /// A classic pcap file whose header says nanosecond timestamps (magic 0xa1b23c4d), set once in init.
    private var nanosecondFile = false
    /// The path as given (`-` for standard input).
    public let path: String
    public let linkType: LinkType
    public let snapLength: Int
    /// The link types of the file's interfaces when it has several (a pcapng file), else the one.
    public var linkTypes: [LinkType] {
        if case .pcapng(let reader) = own { return reader.allLinkTypes }
        return [linkType]
    }

    /// Interfaces the file has described so far (a pcapng file's; 1 for others).
    public var interfaceCount: Int {
        if case .pcapng(let reader) = own { return reader.interfaceCount }
        return 1
    }

    static let readBufferSize = 1 << 16

    /// Opens `path` (`-` for standard input).
    /// - Throws: `CaptureError` naming the file: missing, unreadable, not a capture libpcap accepts, or a link
    ///   type the decoder does not handle.
    public init(path: String) throws(CaptureError) {
        try self.init(path: path, directRecords: true)
    }

    /// `directRecords: false` reads every record through `pcap_next_ex` (tests compare the two ways).
    init(path: String, directRecords: Bool) throws(CaptureError) {
        let file: UnsafeMutablePointer<FILE>
        if path == "-" {
            guard let stream = fdopen(0, "rb") else {
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            file = stream
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .fileNotFound(path: path)
            }
            guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
            guard let stream = fopen(path, "rb") else {
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            file = stream
        }
        if path != "-", let reader = try CaptureFile.ownReader(file, path: path, pcapng: directRecords) {
            self.init(own: reader, file: file, path: path)
            return
        }
        // The buffer must be given: glibc ignores the size when the buffer argument is NULL and reads 4 KiB at
        // a time (one read(2) per 4 KiB: 0.3 s more on a 7.6 GB capture).
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: CaptureFile.readBufferSize)
        setvbuf(file, buffer, _IOFBF, CaptureFile.readBufferSize)
        try self.init(stream: file, path: path, readBuffer: buffer)
        if path != "-", let handle, let stream = pcap_file(handle) {
            var magic: UInt32 = 0
            if pread(fileno(stream), &magic, 4, 0) == 4 { nanosecondFile = CaptureFile.isNanosecondMagic(magic) }
        }
        if directRecords && path != "-", let handle { records = CaptureFile.recordReader(handle, linkType: linkType) }
    }

    /// The project's own reader when the regular file open as `file` is a snoop file, or a pcapng file and
    /// `pcapng` (tests read pcapng through libpcap too); nil otherwise: libpcap takes it.
    /// - Throws: what the reader refuses; `file` is then closed.
    private static func ownReader(
        _ file: UnsafeMutablePointer<FILE>, path: String, pcapng: Bool
    ) throws(CaptureError) -> OwnReader? {
        let descriptor = fileno(file)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        var head = [UInt8](repeating: 0, count: 8)
        guard head.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, 8, 0) }) == 8,
            let format = head.withUnsafeBytes({ ownFormat($0, pcapng: pcapng) })
        else { return nil }
        do throws(CaptureError) {
            return try ownReader(
                format, source: BlockSource(descriptor: descriptor, fileSize: Int64(status.st_size)), path: path)
        } catch {
            fclose(file)
            throw error
        }
    }

    private enum OwnFormat { case pcapng, snoop }

    /// Which own reader takes a capture that starts with `head` (pcapng only when `pcapng`); nil: libpcap.
    private static func ownFormat(_ head: UnsafeRawBufferPointer, pcapng: Bool) -> OwnFormat? {
        if SnoopReader.isSnoop(head) { return .snoop }
        if pcapng && PcapngReader.isPcapng(head) { return .pcapng }
        return nil
    }

    private static func ownReader(
        _ format: OwnFormat, source: BlockSource, path: String
    ) throws(CaptureError) -> OwnReader {
        switch format {
        case .snoop: .snoop(try SnoopReader(source: source, path: path))
        case .pcapng: .pcapng(try PcapngReader(source: source, path: path))
        }
    }

    private init(own reader: OwnReader, file: UnsafeMutablePointer<FILE>?, path: String) {
        self.handle = nil
        self.readBuffer = nil
        self.own = reader
        self.ownFile = file
        self.path = path
        switch reader {
        case .pcapng(let pcapng):
            self.linkType = pcapng.linkType
            self.snapLength = pcapng.snapLength
        case .snoop(let snoop):
            self.linkType = snoop.linkType
            self.snapLength = 0
        }
    }

    /// A direct reader when the file is a regular classic pcap file (format 2.4 or later, 16-byte record
    /// headers), with libpcap's snapshot length; nil otherwise (pcapng, older formats, pipes).
    private static func recordReader(_ pcap: OpaquePointer, linkType: LinkType) -> PcapRecordReader? {
        guard directlyReadable(pcap, linkType: linkType), let file = pcap_file(pcap) else { return nil }
        let descriptor = fileno(file)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        var header = [UInt8](repeating: 0, count: PcapRecordReader.fileHeaderLength)
        let n = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard n == header.count,
            let layout = header.withUnsafeBytes({ PcapRecordReader.layout(ofHeader: $0) })
        else { return nil }
        return PcapRecordReader(
            descriptor: descriptor, layout: layout, snapshot: Int(pcap_snapshot(pcap)),
            fileSize: Int64(status.st_size))
    }

    /// Classic pcap, and not a byte-swapped Linux cooked capture (libpcap rewrites CAN pseudo-headers there).
    private static func directlyReadable(_ pcap: OpaquePointer, linkType: LinkType) -> Bool {
        guard pcap_major_version(pcap) == 2 else { return false }
        return pcap_is_swapped(pcap) == 0 || (linkType != .linuxSLL && linkType != .linuxSLL2)
    }

    /// How the packets of interface `interface` (`PacketRecord.interface`) were recorded: a pcapng file's
    /// interface (nanosecond when its `if_tsresol` is finer than microseconds), else the file's link type,
    /// snapshot length and timestamp precision (nanosecond for a classic file with magic 0xa1b23c4d). An
    /// interface number the file has not described gives the file's first interface.
    public func sourceInterface(_ interface: UInt32) -> SourceInterface {
        if case .pcapng(let reader) = own {
            let all = reader.everyInterface
            if let described = all.indices.contains(Int(interface)) ? all[Int(interface)] : all.first {
                return SourceInterface(
                    linkType: described.linkType, snapLength: described.snapLength,
                    nanosecond: described.unitsPerSecond > 1_000_000)
            }
        }
        return SourceInterface(linkType: linkType, snapLength: snapLength, nanosecond: nanosecondFile)
    }

    /// A classic pcap magic number that says nanosecond timestamps, in either byte order.
    private static func isNanosecondMagic(_ magic: UInt32) -> Bool { magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1 }

    /// Whether the records are read by `PcapRecordReader` or `PcapngReader` (tests).
    var readsRecordsDirectly: Bool { records != nil || own != nil }

    /// Bytes of the file read so far, for progress; 0 when unknown.
    public var bytesRead: Int64 {
        if let records { return records.bytesRead }
        if let own { return own.bytesRead }
        guard let handle, let file = pcap_file(handle) else { return 0 }
        return max(0, Int64(ftello(file)))
    }

    /// Reads a capture held in memory (fuzzing, tests). `bytes` must stay valid until the capture is closed.
    /// - Throws: `CaptureError.notACapture` when libpcap refuses the bytes.
    public init(bytes: UnsafeRawBufferPointer, name: String) throws(CaptureError) {
        try self.init(bytes: bytes, name: name, directRecords: true)
    }

    /// `directRecords: false` reads every record through `pcap_next_ex` (tests compare the two ways).
    init(bytes: UnsafeRawBufferPointer, name: String, directRecords: Bool) throws(CaptureError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw .notACapture(path: name, reason: "the file is empty")
        }
        if let format = CaptureFile.ownFormat(bytes, pcapng: directRecords) {
            self.init(
                own: try CaptureFile.ownReader(format, source: BlockSource(bytes: bytes), path: name), file: nil,
                path: name)
            return
        }
        guard let stream = fmemopen(UnsafeMutableRawPointer(mutating: base), bytes.count, "rb") else {
            throw .unreadable(path: name, reason: String(cString: strerror(errno)))
        }
        try self.init(stream: stream, path: name)
        if bytes.count >= 4 { nanosecondFile = CaptureFile.isNanosecondMagic(bytes.loadUnaligned(as: UInt32.self)) }
        if directRecords, let handle, CaptureFile.directlyReadable(handle, linkType: linkType),
            let layout = PcapRecordReader.layout(
                ofHeader: UnsafeRawBufferPointer(rebasing: bytes.prefix(PcapRecordReader.fileHeaderLength)))
        {
            records = PcapRecordReader(bytes: bytes, layout: layout, snapshot: Int(pcap_snapshot(handle)))
        }
    }

    /// Takes ownership of `file`: libpcap closes it with the capture, and so does a failed open here.
    private init(
        stream file: UnsafeMutablePointer<FILE>, path: String,
        readBuffer: UnsafeMutablePointer<CChar>? = nil
    ) throws(CaptureError) {
        // Read by one thread only (the pipeline's reader): no stdio lock per fread.
        cpcap_unlocked_stream(file)
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let pcap = pcap_fopen_offline_with_tstamp_precision(
                file, UInt32(PCAP_TSTAMP_PRECISION_NANO),
                &errorBuffer)
        else {
            fclose(file)
            readBuffer?.deallocate()
            let message = String(
                decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                as: UTF8.self)
            throw .notACapture(path: path, reason: CaptureFile.explain(message))
        }
        // A link type the decoder cannot read is refused here, once for every way a capture is opened.
        let linkType = LinkType(rawValue: pcap_datalink(pcap))
        guard linkType.isSupported else {
            pcap_close(pcap)
            readBuffer?.deallocate()
            throw .unsupportedLinkType(path: path, linkType: linkType)
        }
        self.handle = pcap
        self.own = nil
        self.ownFile = nil
        self.readBuffer = readBuffer
        self.path = path
        self.linkType = linkType
        self.snapLength = Int(pcap_snapshot(pcap))
    }

    deinit {
        if let handle { pcap_close(handle) }  // also closes the FILE (libpcap's savefile cleanup)
        if let ownFile { fclose(ownFile) }
        readBuffer?.deallocate()
    }

    /// Calls `body` for each packet in file order with the record header and the packet's bytes, which are
    /// valid only during the call. Returns how reading ended; a damaged record ends reading, and every packet
    /// before it has been delivered.
    public func forEachPacket(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
        if let records { return try records.forEachPacket(body) }
        if let own { return try own.forEachPacket(body) }
        guard let handle else { return .endOfFile }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                guard let header, let data else { continue }
                let h = header.pointee
                // With nanosecond precision requested, tv_usec holds nanoseconds.
                let record = PacketRecord(
                    timestamp: Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: Int64(h.ts.tv_usec)),
                    capturedLength: h.caplen, originalLength: h.len)
                try body(record, UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
            case PCAP_ERROR_BREAK:
                return .endOfFile
            default:
                return .damaged(reason: String(cString: pcap_geterr(handle)))
            }
        }
    }

    /// Reads only the first record's timestamp (nil for a capture without packets or with a damaged first
    /// record). Used to order several files.
    public func firstTimestamp() -> Timestamp? {
        if own != nil {
            var first: Timestamp?
            _ = try? forEachPacket { record, _ in
                first = record.timestamp
                throw FirstFound()
            }
            return first
        }
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        guard pcap_next_ex(handle, &header, &data) == 1, let header else { return nil }
        return Timestamp(seconds: Int64(header.pointee.ts.tv_sec), nanoseconds: Int64(header.pointee.ts.tv_usec))
    }

    /// Stops `firstTimestamp`'s read at the first packet.
    private struct FirstFound: Error {}

    /// libpcap's open errors are terse; add what a user needs to act on.
    static func explain(_ message: String) -> String {
        if message.hasPrefix("truncated dump file; tried to read 4 file header bytes, only got 0") {
            return "the file is empty"
        }
        if message.contains("unknown file format") {
            return "unknown file format (no pcap or pcapng magic number at the start)"
        }
        return message
    }
}
