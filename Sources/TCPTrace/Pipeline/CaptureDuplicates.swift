/// Recognises a segment captured twice, on two interfaces of one capture (a router's inside and outside
/// interfaces see each forwarded segment once each): the same IP ID, sequence and acknowledgment numbers,
/// flags and payload length, seen on another interface within `window`. Such a copy is counted, not
/// tracked: it is no retransmission. The addresses and ports are not compared (a NAT between the interfaces
/// rewrites them).
///
/// A direct-mapped table of the latest signatures, allocated once: no allocation per packet, and a signature
/// pushed out by a colliding one only misses a copy (counted as the segment it is), never invents one.
struct CaptureDuplicates {
    private struct Entry {
        var signature: UInt64 = 0
        var time: Int64 = 0
        var interface: UInt32 = 0
    }
    private var table: [Entry] = Array(repeating: Entry(), count: CaptureDuplicates.slots)
    static let slots = 1 << 12
    /// A copy arrives within this many nanoseconds of the original (10 ms).
    static let window: Int64 = 10_000_000

    /// Whether `segment` (seen at `time`) is a copy of one seen on another interface; if not, it is
    /// remembered.
    mutating func isCopy(_ segment: borrowing Segment, at time: Timestamp) -> Bool {
        var signature = UInt64(segment.sequence.rawValue) << 32 | UInt64(segment.acknowledgment.rawValue)
        signature ^= (UInt64(segment.ipID) << 16 | UInt64(segment.flags.rawValue)) &* 0x9E37_79B9_7F4A_7C15
        signature ^= UInt64(segment.payloadLength) &* 0xC4CE_B9FE_1A85_EC53
        signature |= 1  // (0 marks an empty slot)
        let slot = Int(truncatingIfNeeded: (signature ^ signature >> 29) & UInt64(CaptureDuplicates.slots - 1))
        let entry = table[slot]
        let interface = segment.interface  // (no `&&` autoclosure may capture a borrowed parameter)
        if entry.signature == signature && entry.interface != interface
            && (time.nanoseconds &- entry.time).magnitude <= UInt64(CaptureDuplicates.window)
        {
            return true
        }
        table[slot] = Entry(signature: signature, time: time.nanoseconds, interface: interface)
        return false
    }
}
