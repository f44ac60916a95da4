/// A deterministic classic-pcap writer: builds a capture file byte by byte, in either byte order, with
/// microsecond or nanosecond timestamps and any link type. Packets longer than the snap length are cut the
/// way a capturing kernel cuts them (caplen = snaplen, len = the original length).
public struct PcapWriter: Sendable {
    public enum ByteOrder: Sendable { case little, big }

    public let linkType: UInt32
    public let snapLength: UInt32
    public let nanosecond: Bool
    public let byteOrder: ByteOrder
    public private(set) var bytes: [UInt8] = []
    public private(set) var packetCount = 0

    /// LINKTYPE_* values as written in files (https://www.tcpdump.org/linktypes.html).
    public enum Link {
        public static let null: UInt32 = 0
        public static let ethernet: UInt32 = 1
        public static let raw: UInt32 = 101
        public static let loop: UInt32 = 108
        public static let linuxSLL: UInt32 = 113
        public static let ipv4: UInt32 = 228
        public static let ipv6: UInt32 = 229
        public static let linuxSLL2: UInt32 = 276
    }

    public init(
        linkType: UInt32, snapLength: UInt32 = 262_144, nanosecond: Bool = false,
        byteOrder: ByteOrder = .little
    ) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.nanosecond = nanosecond
        self.byteOrder = byteOrder
        put32(nanosecond ? 0xa1b2_3c4d : 0xa1b2_c3d4)
        put16(2)
        put16(4)
        put32(0)  // thiszone
        put32(0)  // sigfigs
        put32(snapLength)
        put32(linkType)
    }

    /// Appends one record. `nanoseconds` is the time since the epoch; it is written at the file's precision.
    public mutating func append(_ packet: [UInt8], at nanoseconds: Int64) {
        let captured = min(packet.count, Int(snapLength))
        let seconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        put32(UInt32(truncatingIfNeeded: seconds))
        put32(UInt32(truncatingIfNeeded: nanosecond ? fraction : fraction / 1000))
        put32(UInt32(captured))
        put32(UInt32(packet.count))
        bytes += packet[0..<captured]
        packetCount += 1
    }

    /// The records of a little-endian microsecond file this writer wrote, with their times in nanoseconds.
    public static func records(_ file: [UInt8]) -> [([UInt8], Int64)] {
        func word(_ at: Int) -> Int64 {
            Int64(file[at]) | Int64(file[at + 1]) << 8 | Int64(file[at + 2]) << 16 | Int64(file[at + 3]) << 24
        }
        var result: [([UInt8], Int64)] = []
        var offset = 24
        while offset + 16 <= file.count {
            let length = Int(word(offset + 8))
            result.append(
                (
                    Array(file[(offset + 16)..<(offset + 16 + length)]),
                    word(offset) * 1_000_000_000 + word(offset + 4) * 1_000
                ))
            offset += 16 + length
        }
        return result
    }

    /// Appends a raw record header with arbitrary lengths (for malformed-file tests).
    public mutating func appendRawRecord(
        seconds: UInt32, fraction: UInt32, capturedLength: UInt32,
        originalLength: UInt32, data: [UInt8]
    ) {
        put32(seconds)
        put32(fraction)
        put32(capturedLength)
        put32(originalLength)
        bytes += data
    }

    private mutating func put16(_ value: UInt16) {
        switch byteOrder {
        case .little: bytes += [UInt8(value & 0xff), UInt8(value >> 8)]
        case .big: bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
        }
    }

    private mutating func put32(_ value: UInt32) {
        switch byteOrder {
        case .little: bytes += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> $0) }
        case .big: bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        }
    }
}
