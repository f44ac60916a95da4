/// Reads a Solaris snoop file (RFC 1761), which tcptrace and Wireshark read and libpcap does not: an 8-byte
/// identification ("snoop" and three zero bytes), a version (2) and a datalink type, then records of six
/// big-endian 32-bit fields (original length, included length, record length, cumulative drops, seconds,
/// microseconds) followed by the packet, padded to the record length.
final class SnoopReader {
    static let identification: [UInt8] = Array("snoop".utf8) + [0, 0, 0]
    static let headerLength = 16
    static let recordHeaderLength = 24

    private let source: BlockSource
    let linkType: LinkType

    /// Whether these bytes start a snoop file.
    static func isSnoop(_ header: UnsafeRawBufferPointer) -> Bool {
        header.count >= 8 && header.prefix(8).elementsEqual(identification)
    }

    /// Reads the file header.
    /// - Throws: `CaptureError.unreadableFormat` for a bad header or a datalink the decoder does not read
    ///   (snoop's 4, Ethernet, and 0, IEEE 802.3, are read as Ethernet).
    init(source: BlockSource, path: String) throws(CaptureError) {
        self.source = source
        guard let header = source.take(SnoopReader.headerLength) else {
            throw .unreadableFormat(path: path, format: "snoop", reason: "the file header is cut short")
        }
        let version = SnoopReader.word(header, 8)
        guard version == 2 else {
            throw .unreadableFormat(
                path: path, format: "snoop", reason: "unsupported snoop version \(version) (only version 2 is read)")
        }
        let datalink = SnoopReader.word(header, 12)
        switch datalink {
        case 0, 4: linkType = .ethernet
        default:
            throw .unreadableFormat(
                path: path, format: "snoop",
                reason: "unsupported datalink type \(datalink) (read: 0 and 4, Ethernet)")
        }
    }

    var bytesRead: Int64 { source.bytesRead }

    /// Calls `body` for each record in file order, as `CaptureFile.forEachPacket` does.
    func forEachPacket(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
        while true {
            guard let header = source.peek(SnoopReader.recordHeaderLength) else {
                if source.remaining == 0 { return .endOfFile }
                source.stop()
                return .damaged(
                    reason: "truncated snoop file; a record header cut short after \(source.remaining) bytes")
            }
            let original = SnoopReader.word(header, 0)
            let included = Int(SnoopReader.word(header, 4))
            let length = Int(SnoopReader.word(header, 8))
            let seconds = Int64(SnoopReader.word(header, 16))
            let microseconds = Int64(SnoopReader.word(header, 20))
            guard length >= SnoopReader.recordHeaderLength + included, length <= PcapngReader.maximumBlockLength,
                included <= 262_144
            else {
                source.stop()
                return .damaged(reason: "snoop record of length \(length) cannot hold its \(included) bytes")
            }
            guard let record = source.take(length) else {
                source.stop()
                return .damaged(
                    reason: "truncated snoop file; tried to read \(length) bytes, only got \(source.remaining)")
            }
            let packet = UnsafeRawBufferPointer(
                rebasing: record[SnoopReader.recordHeaderLength..<(SnoopReader.recordHeaderLength + included)])
            try body(
                PacketRecord(
                    timestamp: Timestamp(seconds: seconds, nanoseconds: microseconds * 1000),
                    capturedLength: UInt32(included), originalLength: original),
                packet)
        }
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
