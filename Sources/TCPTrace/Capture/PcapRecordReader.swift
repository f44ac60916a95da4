import Foundation

/// Reads the records of a classic pcap file (format 2.4, 16-byte record headers) straight from its file
/// descriptor into one buffer and hands out each packet where it lies: no second copy per packet.
///
/// libpcap's `pcap_next_ex` reads every record with two `fread` calls, copying each packet from the stdio
/// buffer into its own: on a 7.6 GB capture that copy and the stdio calls were a fifth of the reading
/// thread's time. libpcap still opens and checks every file (`CaptureFile`); this reader takes over only
/// for the common case it can read exactly as libpcap does, and gives the same records and the same
/// messages for a damaged one (`sf-pcap.c`, `pcap_next_packet`): a record cut short, a captured length over
/// the link type's maximum, and a captured length over the file's snapshot length (the packet is cut to
/// the snapshot length and the rest skipped). `RecordReaderTests` compares the two readers on every fixture,
/// the third-party corpus and crafted damaged files.
///
/// One libpcap step is not repeated, so files that need it stay with `pcap_next_ex`: in a file written in
/// the other byte order, libpcap byte-swaps the pseudo-headers of some link types (`swap_pseudo_headers`:
/// the CAN ID of CAN frames in Linux cooked captures, among the link types the decoder reads).
final class PcapRecordReader {
    /// libpcap's `max_snaplen_for_dlt` for every link type the decoder reads (`MAXIMUM_SNAPLEN`).
    static let maximumCapturedLength: UInt32 = 262_144
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16
    /// Large reads, few calls; a whole record always fits (16 + 262,144 bytes).
    static let bufferSize = 1 << 20

    /// The file to read from, or -1 when the whole capture is in memory (`buffer` is then the caller's).
    private let descriptor: Int32
    private let swapped: Bool
    /// Timestamps in nanoseconds (magic 0xa1b23c4d) rather than microseconds.
    private let nanosecond: Bool
    private let snapshot: UInt32
    private let buffer: UnsafeMutableRawPointer
    /// Unread bytes are `buffer[start..<end]`; the next read(2) goes to `nextOffset` of the file.
    private var start = 0
    private var end = 0
    private var nextOffset: Int64
    private var failure: String?
    /// Set when reading stopped at a damaged record: the file counts as read (for progress).
    private var stoppedAt: Int64?
    private let fileSize: Int64

    /// The layout of a classic pcap file this reader takes, from its first 24 bytes (nil for any other:
    /// pcapng, the modified 24-byte-record format, versions before 2.4).
    struct Layout {
        var swapped: Bool
        var nanosecond: Bool
    }

    static func layout(ofHeader header: UnsafeRawBufferPointer) -> Layout? {
        guard header.count >= fileHeaderLength else { return nil }
        let magic = header.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let layout: Layout
        switch magic {
        case 0xA1B2_C3D4: layout = Layout(swapped: false, nanosecond: false)
        case 0xA1B2_3C4D: layout = Layout(swapped: false, nanosecond: true)
        case 0xD4C3_B2A1: layout = Layout(swapped: true, nanosecond: false)
        case 0x4D3C_B2A1: layout = Layout(swapped: true, nanosecond: true)
        default: return nil
        }
        var major = header.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        var minor = header.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        if layout.swapped { major = major.byteSwapped; minor = minor.byteSwapped }
        // Before 2.4 the two lengths may be swapped in each record (libpcap's `lengths_swapped`).
        guard major == 2, minor >= 4 else { return nil }
        return layout
    }

    /// Reads records of the file open at `descriptor`, from just after its header. `snapshot` is libpcap's
    /// snapshot length for the file (`pcap_snapshot`, already adjusted for a zero or oversized one).
    init(descriptor: Int32, layout: Layout, snapshot: Int, fileSize: Int64) {
        self.descriptor = descriptor
        self.fileSize = fileSize
        self.swapped = layout.swapped
        self.nanosecond = layout.nanosecond
        self.snapshot = UInt32(clamping: max(0, snapshot))
        self.nextOffset = Int64(PcapRecordReader.fileHeaderLength)
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: PcapRecordReader.bufferSize, alignment: 64)
    }

    /// Reads records of a whole capture held in memory (`bytes` must stay valid while reading): the packets
    /// are handed out where they lie in it.
    init(bytes: UnsafeRawBufferPointer, layout: Layout, snapshot: Int) {
        self.descriptor = -1
        self.fileSize = Int64(bytes.count)
        self.swapped = layout.swapped
        self.nanosecond = layout.nanosecond
        self.snapshot = UInt32(clamping: max(0, snapshot))
        self.buffer = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        self.start = PcapRecordReader.fileHeaderLength
        self.end = bytes.count
        self.nextOffset = Int64(bytes.count)
    }

    deinit { if descriptor >= 0 { buffer.deallocate() } }

    /// Bytes of the file consumed so far (header included), for progress; the whole file once reading has
    /// stopped at a damaged record (nothing more will be read of it).
    var bytesRead: Int64 { stoppedAt ?? (nextOffset - Int64(end - start)) }

    /// Calls `body` for each record in file order, as `CaptureFile.forEachPacket` does.
    func forEachPacket(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
        let end = try readRecords(body)
        if case .damaged = end { stoppedAt = max(fileSize, nextOffset) }
        return end
    }

    private func readRecords(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
        let headerLength = PcapRecordReader.recordHeaderLength
        while true {
            guard fill(headerLength) else {
                if let failure { return .damaged(reason: failure) }
                if end == start { return .endOfFile }
                return .damaged(
                    reason: "truncated dump file; tried to read \(headerLength) header bytes, only got "
                        + "\(end - start)")
            }
            let header = UnsafeRawBufferPointer(start: buffer + start, count: headerLength)
            var seconds = header.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
            var fraction = header.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            var captured = header.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            var original = header.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            if swapped {
                seconds = seconds.byteSwapped
                fraction = fraction.byteSwapped
                captured = captured.byteSwapped
                original = original.byteSwapped
            }
            guard captured <= PcapRecordReader.maximumCapturedLength else {
                return .damaged(
                    reason: captured > snapshot
                        ? "invalid packet capture length \(captured), bigger than snaplen of \(snapshot)"
                        : "invalid packet capture length \(captured), bigger than maximum of "
                            + "\(PcapRecordReader.maximumCapturedLength)")
            }
            // A record longer than the snapshot length: its first `snapshot` bytes are the packet.
            let kept = min(captured, snapshot)
            guard fill(headerLength + Int(kept)) else {
                return .damaged(
                    reason: failure ?? "truncated dump file; tried to read \(kept) captured bytes, "
                        + "only got \(end - start - headerLength)")
            }
            if kept < captured {
                guard fill(headerLength + Int(captured)) else {
                    return .damaged(
                        reason: failure ?? "truncated dump file; tried to read \(captured) captured "
                            + "bytes, only got \(end - start - headerLength)")
                }
            }
            // As libpcap: the 32-bit fields are signed (`struct pcap_timeval`); microseconds are scaled to
            // nanoseconds.
            let fractionValue = Int64(Int32(bitPattern: fraction))
            let record = PacketRecord(
                timestamp: Timestamp(
                    seconds: Int64(Int32(bitPattern: seconds)),
                    nanoseconds: nanosecond ? fractionValue : fractionValue &* 1000),
                capturedLength: kept, originalLength: original)
            let packet = UnsafeRawBufferPointer(start: buffer + start + headerLength, count: Int(kept))
            start += headerLength + Int(captured)
            try body(record, packet)
        }
    }

    /// Makes at least `count` unread bytes available (at most `bufferSize`); false at the end of the file or
    /// on a read error (`failure` says which), with whatever was there left unread.
    private func fill(_ count: Int) -> Bool {
        if end - start >= count { return true }
        if failure != nil || descriptor < 0 { return false }
        if start > 0 {
            let unread = end - start
            if unread > 0 { buffer.copyMemory(from: buffer + start, byteCount: unread) }
            start = 0
            end = unread
        }
        while end < count {
            let n = pread(descriptor, buffer + end, PcapRecordReader.bufferSize - end, off_t(nextOffset))
            if n > 0 {
                end += n
                nextOffset += Int64(n)
            } else if n == 0 {
                return false
            } else if errno != EINTR {
                failure = "error reading dump file: " + String(cString: strerror(errno))
                return false
            }
        }
        return true
    }
}
