/// Writes pcapng files (the pcapng specification, draft-ietf-opsawg-pcapng) for tests: sections in either
/// byte order, interfaces with their own link type, snapshot length, timestamp resolution (`if_tsresol`) and
/// offset (`if_tsoffset`), and Enhanced, Simple and obsolete Packet blocks.
public struct PcapngWriter: Sendable {
    public enum ByteOrder: Sendable { case little, big }

    public private(set) var bytes: [UInt8] = []
    private var order: ByteOrder = .little
    /// Per interface of the current section: timestamp units per second and offset in seconds.
    private var clocks: [(unitsPerSecond: UInt64, offsetSeconds: Int64)] = []

    public init() {}

    /// Starts a section (a Section Header Block) in `order`; its interfaces start again from 0.
    public mutating func section(_ order: ByteOrder = .little) {
        self.order = order
        clocks = []
        var body: [UInt8] = []
        body += u32(0x1A2B_3C4D) + u16(1) + u16(0)
        body += u64(UInt64.max)  // section length unknown
        block(0x0A0D_0D0A, body)
    }

    /// Adds an Interface Description Block. `resolution` is `if_tsresol` (6: microseconds, 9: nanoseconds;
    /// with the top bit set a power of two); `offsetSeconds` is `if_tsoffset`. Returns the interface's id.
    @discardableResult
    public mutating func interface(
        linkType: UInt16, snapLength: UInt32 = 262_144, resolution: UInt8? = nil, offsetSeconds: Int64? = nil
    ) -> Int {
        var body = u16(linkType) + u16(0) + u32(snapLength)
        var unitsPerSecond: UInt64 = 1_000_000
        if let resolution {
            body += option(9, [resolution])
            let exponent = UInt64(resolution & 0x7f)
            unitsPerSecond =
                resolution & 0x80 != 0 ? 1 << exponent : (0..<exponent).reduce(1) { value, _ in value * 10 }
        }
        if let offsetSeconds { body += option(14, u64(UInt64(bitPattern: offsetSeconds))) }
        if resolution != nil || offsetSeconds != nil { body += u16(0) + u16(0) }  // opt_endofopt
        block(1, body)
        clocks.append((unitsPerSecond, offsetSeconds ?? 0))
        return clocks.count - 1
    }

    /// An Enhanced Packet Block on `interface` at `nanoseconds` since the epoch (written in the interface's
    /// resolution, less its offset); the packet is cut to `captured` bytes when given.
    public mutating func enhanced(_ packet: [UInt8], interface: Int, at nanoseconds: Int64, captured: Int? = nil) {
        let kept = min(captured ?? packet.count, packet.count)
        var body = u32(UInt32(interface)) + timestamp(nanoseconds, interface)
        body += u32(UInt32(kept)) + u32(UInt32(packet.count)) + padded(Array(packet[0..<kept]))
        block(6, body)
    }

    /// A Simple Packet Block (interface 0, no timestamp).
    public mutating func simple(_ packet: [UInt8]) {
        block(3, u32(UInt32(packet.count)) + padded(packet))
    }

    /// An obsolete Packet Block on `interface`.
    public mutating func obsolete(_ packet: [UInt8], interface: Int, at nanoseconds: Int64) {
        var body = u16(UInt16(interface)) + u16(0) + timestamp(nanoseconds, interface)
        body += u32(UInt32(packet.count)) + u32(UInt32(packet.count)) + padded(packet)
        block(2, body)
    }

    /// A block of a type readers skip (a custom block, 0x00000BAD).
    public mutating func unknownBlock() {
        block(0x0000_0BAD, u32(32473) + [1, 2, 3, 4])
    }

    private func timestamp(_ nanoseconds: Int64, _ interface: Int) -> [UInt8] {
        let clock = clocks[interface]
        let since = nanoseconds - clock.offsetSeconds * 1_000_000_000
        let seconds = UInt64(since / 1_000_000_000)
        let fraction = UInt64(since % 1_000_000_000)
        let units = seconds * clock.unitsPerSecond + fraction * clock.unitsPerSecond / 1_000_000_000
        return u32(UInt32(units >> 32)) + u32(UInt32(units & 0xffff_ffff))
    }

    private mutating func block(_ type: UInt32, _ body: [UInt8]) {
        let length = UInt32(12 + body.count)
        bytes += u32(type) + u32(length) + body + u32(length)
    }

    private func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        u16(code) + u16(UInt16(value.count)) + padded(value)
    }

    private func padded(_ value: [UInt8]) -> [UInt8] {
        value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    private func u16(_ v: UInt16) -> [UInt8] {
        order == .little ? [UInt8(v & 0xff), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xff)]
    }

    private func u32(_ v: UInt32) -> [UInt8] {
        let little = [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) }
        return order == .little ? little : little.reversed()
    }

    private func u64(_ v: UInt64) -> [UInt8] {
        let little = stride(from: 0, to: 64, by: 8).map { UInt8(truncatingIfNeeded: v >> UInt64($0)) }
        return order == .little ? little : little.reversed()
    }
}
