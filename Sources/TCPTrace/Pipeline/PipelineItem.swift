/// One decoded segment on its way from the reading thread to the tracking thread, packed into one 64-byte
/// cache line (a `Segment` with its frame and time takes 160): every byte crosses from one core to the other,
/// so fewer bytes is less time. IPv6 addresses and SACK blocks, which do not fit, go to the batch's `extras`.
struct PipelineItem: Sendable, BitwiseCopyable {
    var time: Int64
    var sequence: UInt32
    var acknowledgment: UInt32
    var payloadLength: UInt32
    var capturedPayloadLength: UInt32
    /// Frame number minus the batch's `baseFrame`.
    var frameOffset: UInt32
    var sourcePort: UInt16
    var destinationPort: UInt16
    var window: UInt16
    /// The TCP flags (9 bits) and, above them, the IP header's length in 4-byte words (7 bits; IPv4's header
    /// and IPv6's with extension headers are multiples of 4), for `Segment.ipLength`; 127 (508 bytes or more):
    /// the length is in one more word of the batch's `extras`, after the addresses, SACK blocks and the
    /// extended fields.
    var flags: UInt16
    var mss: UInt16
    var windowScale: UInt8
    var headerLength: UInt8
    var bits: UInt8
    var sackCount: UInt8
    /// IPv4 TTL or IPv6 hop limit, and the checksum verdict (`ChecksumStatus`): in what was padding.
    var ttl: UInt8
    var checksum: UInt8
    /// Index in `extras` of the IPv6 addresses (4 words) and then the SACK blocks (a word each).
    var extra: UInt32
    /// IPv4 source and destination (IPv6: in `extras`).
    var source4: UInt32
    var destination4: UInt32
    var timestampValue: UInt32
    var timestampEcho: UInt32

    static let optionsTruncated: UInt8 = 1, firstFragment: UInt8 = 2, sackPermitted: UInt8 = 4, malformed: UInt8 = 8
    static let hasMSS: UInt8 = 16, hasWindowScale: UInt8 = 32, hasTimestamps: UInt8 = 64, ipv6: UInt8 = 128
    /// In `checksum` (whose values use its low bits): two more words in `extras` after the addresses and SACK
    /// blocks, the tunnel identity and path, then the interface.
    static let extended: UInt8 = 0x80
    /// In `checksum`: a capture duplicate (`Segment.isCaptureDuplicate`).
    static let captureDuplicate: UInt8 = 0x40
    /// In `checksum`: the frame matches `--filter` (`Segment.matchesFilter`).
    static let filterMatch: UInt8 = 0x20

    /// The flags' bits of `flags`.
    static let flagBits: UInt16 = 0x1ff

    /// `flags` of `segment`: its TCP flags and its IP header's length.
    @inline(__always)
    static func packFlags(_ segment: Segment) -> UInt16 {
        let ipHeader =
            segment.transportOffset > segment.networkOffset ? (segment.transportOffset &- segment.networkOffset) / 4 : 0
        return segment.flags.rawValue & flagBits | UInt16(min(ipHeader, 127)) << 9
    }
}
