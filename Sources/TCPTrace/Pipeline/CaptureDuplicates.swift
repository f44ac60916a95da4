/// Recognises a segment captured twice, on two interfaces of one capture (a router's inside and outside
/// interfaces see each forwarded segment once each): the same addresses, ports and tunnel, IP ID, sequence and
/// acknowledgment numbers, flags and payload length, seen on another interface within `window`. Such a copy
/// is counted on its connection, not used for state: it is no retransmission. (Behind a NAT the outside copy
/// has other addresses or ports: it is another connection, as tshark shows it too.)
///
/// Used by every reading path (files and live) once a capture has shown a second interface. A direct-mapped
/// table of the latest signatures, allocated then: no allocation per packet, and a signature pushed out by a
/// colliding one only misses a copy, never invents one (the signature's 64 bits must match).
struct CaptureDuplicates {
    private struct Entry {
        var signature: UInt64 = 0
        var time: Int64 = 0
        var interface: UInt32 = 0
    }
    private var table: [Entry] = []
    static let slots = 1 << 12
    /// A second interface has been seen (or was described): every segment is compared.
    private(set) var isActive = false

    /// `interfaces`: how many the capture described before its first packet (a pcapng file's).
    init(interfaces: Int = 1) {
        if interfaces > 1 { activate() }
    }

    private mutating func activate() {
        table = Array(repeating: Entry(), count: CaptureDuplicates.slots)
        isActive = true
    }

    /// Sets the segment's interface and whether it is a copy (`Segment.isCaptureDuplicate`), reading the IPv4
    /// identification from the packet; true when it is a copy.
    mutating func mark(
        _ segment: inout Segment, _ bytes: UnsafeRawBufferPointer, interface: UInt32, at time: Timestamp
    ) -> Bool {
        if interface != 0 && !isActive { activate() }
        guard isActive else { return false }
        segment.interface = interface &+ 1  // (`Segment.interface`: 0 stands for a capture with one interface)
        // (The decoder checked the IP header whole; IPv6 has no identification.)
        let ip = Int(segment.networkOffset)
        let id = bytes[ip] >> 4 == 4 ? bytes.u16(ip + 4) : 0
        segment.isCaptureDuplicate = isCopy(segment, id: id, at: time)
        return segment.isCaptureDuplicate
    }
    /// A copy arrives within this many nanoseconds of the original (10 ms).
    static let window: Int64 = 10_000_000

    /// Whether `segment` (seen at `time`) is a copy of one seen on another interface; if not, it is
    /// remembered.
    private mutating func isCopy(_ segment: borrowing Segment, id: UInt16, at time: Timestamp) -> Bool {
        var signature = UInt64(segment.sequence.rawValue) << 32 | UInt64(segment.acknowledgment.rawValue)
        signature ^= (segment.source.low ^ segment.source.high &* 0x2545_F491_4F6C_DD1D) &* 0xD6E8_FEB8_6659_FD93
        signature ^=
            (segment.destination.low ^ segment.destination.high &* 0x2545_F491_4F6C_DD1D) &* 0xFF51_AFD7_ED55_8CCD
        signature ^=
            (UInt64(segment.tunnel) << 32 | UInt64(segment.sourcePort) << 16 | UInt64(segment.destinationPort))
            &* 0x9FB2_1C65_1E98_DF25
        signature ^= (UInt64(id) << 16 | UInt64(segment.flags.rawValue)) &* 0x9E37_79B9_7F4A_7C15
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
