import Foundation

/// Writes packets to a capture file as they come (nothing is held back but stdio's buffer): classic pcap
/// (format 2.4, little-endian) with one link type, or pcapng (draft-ietf-opsawg-pcapng) with one interface
/// description block per source interface, written before that interface's first packet, and each packet's
/// original frame number as its `opt_comment` ("frame N"). Timestamps keep their precision: a nanosecond
/// source is written with the nanosecond pcap magic (0xa1b23c4d) or `if_tsresol` 9; others in microseconds.
/// libpcap writes classic pcap only, so pcapng is written here.
public final class CaptureWriter {
    /// The two formats and what the header of each needs.
    public enum Format: Sendable, Equatable {
        /// Classic pcap: every packet has this link type; nanosecond timestamps or microseconds.
        case pcap(linkType: LinkType, snapLength: Int, nanosecond: Bool)
        /// pcapng: interfaces as the packets bring them.
        case pcapng
    }

    public let path: String
    public let format: Format
    private let file: UnsafeMutablePointer<FILE>
    /// The block or record being built (reused: one allocation for the whole file).
    private var block: [UInt8] = []
    /// pcapng: the output interface number of each source interface written so far.
    private var interfaceIDs: [Int: UInt32] = [:]
    private var interfaceNanosecond: [Bool] = []
    /// Packets written.
    public private(set) var packets = 0
    private var closed = false

    /// Creates (or truncates) `path` and writes the file header (pcap) or section header block (pcapng).
    /// - Throws: `CaptureWriteError` when the file cannot be created or written.
    public init(path: String, format: Format) throws(CaptureWriteError) {
        guard let file = fopen(path, "wb") else {
            throw CaptureWriteError(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.format = format
        self.file = file
        block.reserveCapacity(1 << 16)
        switch format {
        case .pcap(let linkType, let snapLength, let nanosecond):
            append32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
            append16(2)
            append16(4)
            append32(0)  // thiszone
            append32(0)  // sigfigs
            append32(UInt32(clamping: snapLength > 0 ? snapLength : 262_144))
            append32(linkType.linkTypeValue)
        case .pcapng:
            let application = Array("tcptrace-swift extract".utf8)
            beginBlock(type: 0x0A0D_0D0A)
            append32(0x1A2B_3C4D)  // byte-order magic
            append16(1)
            append16(0)
            append32(0xFFFF_FFFF)  // section length: not given
            append32(0xFFFF_FFFF)
            appendOption(code: 4, application)  // shb_userappl
            appendOption(code: 0, [])
            endBlock()
        }
        try flushBlock()
    }

    deinit { if !closed { fclose(file) } }

    /// Whether `path` can be written, without creating or changing it: the file, when it exists, or else its
    /// folder is writable. Lets a caller refuse an output before it reads anything.
    /// - Throws: `CaptureWriteError` naming the reason (`strerror`).
    public static func checkWritable(_ path: String) throws(CaptureWriteError) {
        var target = path
        if access(path, F_OK) != 0 {
            let folder = (path as NSString).deletingLastPathComponent
            target = folder.isEmpty ? "." : folder
        }
        if access(target, W_OK) != 0 {
            throw CaptureWriteError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Writes one packet: `bytes` as captured, with `record`'s time and original length. `source` names the
    /// input interface it came from (any number unique per source interface; described by `interface`); in
    /// pcapng the first packet of a source interface writes its interface description block. `frame` goes into
    /// the pcapng packet's comment. In classic pcap, `interface` must have the file's link type (the caller
    /// chooses the format).
    public func write(
        _ bytes: UnsafeRawBufferPointer, record: PacketRecord, source: Int, interface: SourceInterface, frame: Int
    ) throws(CaptureWriteError) {
        let time = record.timestamp.nanoseconds
        let seconds = time >= 0 ? time / 1_000_000_000 : (time - 999_999_999) / 1_000_000_000
        let fraction = time - seconds * 1_000_000_000
        switch format {
        case .pcap(_, _, let nanosecond):
            append32(UInt32(truncatingIfNeeded: seconds))
            append32(UInt32(truncatingIfNeeded: nanosecond ? fraction : fraction / 1000))
            append32(UInt32(bytes.count))
            append32(record.originalLength)
            block.append(contentsOf: bytes)
        case .pcapng:
            let id = try interfaceID(source, interface)
            let nanosecond = interfaceNanosecond[Int(id)]
            let units = UInt64(bitPattern: nanosecond ? time : seconds * 1_000_000 + fraction / 1000)
            beginBlock(type: 6)
            append32(id)
            append32(UInt32(truncatingIfNeeded: units >> 32))
            append32(UInt32(truncatingIfNeeded: units))
            append32(UInt32(bytes.count))
            append32(record.originalLength)
            block.append(contentsOf: bytes)
            pad()
            appendOption(code: 1, Array("frame \(frame)".utf8))  // opt_comment
            appendOption(code: 0, [])
            endBlock()
        }
        try flushBlock()
        packets += 1
    }

    /// Flushes and closes the file.
    /// - Throws: `CaptureWriteError` when the last bytes cannot be written.
    public func close() throws(CaptureWriteError) {
        guard !closed else { return }
        closed = true
        if fclose(file) != 0 { throw CaptureWriteError(path: path, reason: String(cString: strerror(errno))) }
    }

    // MARK: Blocks

    /// The output interface of source interface `source`, writing its description block the first time.
    private func interfaceID(_ source: Int, _ interface: SourceInterface) throws(CaptureWriteError) -> UInt32 {
        if let id = interfaceIDs[source] { return id }
        let id = UInt32(interfaceNanosecond.count)
        try flushBlock()  // (the packet block is built after this one)
        beginBlock(type: 1)
        append16(UInt16(truncatingIfNeeded: interface.linkType.linkTypeValue))
        append16(0)
        append32(UInt32(clamping: max(0, interface.snapLength)))
        if interface.nanosecond { appendOption(code: 9, [9]) }  // if_tsresol: 10^-9
        appendOption(code: 0, [])
        endBlock()
        try flushBlock()
        interfaceIDs[source] = id
        interfaceNanosecond.append(interface.nanosecond)
        return id
    }

    /// Starts a pcapng block: its type and a length filled in by `endBlock`.
    private func beginBlock(type: UInt32) {
        append32(type)
        append32(0)
    }

    /// Ends the block in `block`: the trailing length, and the same length in its header.
    private func endBlock() {
        let length = UInt32(block.count + 4)
        append32(length)
        withUnsafeBytes(of: length.littleEndian) { block.replaceSubrange(4..<8, with: $0) }
    }

    /// An option: code, length, value padded to 32 bits.
    private func appendOption(code: UInt16, _ value: [UInt8]) {
        append16(code)
        append16(UInt16(value.count))
        block.append(contentsOf: value)
        pad()
    }

    private func pad() {
        while block.count % 4 != 0 { block.append(0) }
    }

    private func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { block.append(contentsOf: $0) } }
    private func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { block.append(contentsOf: $0) } }

    private func flushBlock() throws(CaptureWriteError) {
        guard !block.isEmpty else { return }
        let written = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let complete = written == block.count
        block.removeAll(keepingCapacity: true)
        if !complete { throw CaptureWriteError(path: path, reason: String(cString: strerror(errno))) }
    }
}
