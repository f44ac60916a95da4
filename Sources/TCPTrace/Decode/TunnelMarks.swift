/// Where a packet's tunnel layers sit, outermost first: each layer's kind, the offset of its outer IP header
/// and the offset of its own header (`PacketDecoder` writes them as it unwraps; `TunnelLayer(_:mark:)` reads
/// the layer's addresses and ids from the packet afterwards). A plain value of fixed size, so a tunnelled
/// packet costs no allocation; at most `capacity` layers (a deeper packet is counted and skipped).
public struct TunnelMarks: Sendable, Hashable {
    /// Layers recorded.
    public private(set) var count: UInt8 = 0
    /// Per layer: kind (4 bits) << 28 | outer IP offset (14 bits) << 14 | header offset (14 bits).
    private var marks = SIMD8<UInt32>()

    public init() {}

    /// Most tunnel layers followed in one packet.
    public static let capacity = 8
    /// Offsets beyond this are not recorded (a packet whose tunnels sit this deep is skipped as too deep).
    static let maximumOffset = 1 << 14 - 1

    /// Forgets every layer (the decoder's first step for each packet).
    @inline(__always)
    mutating func removeAll() { count = 0 }

    /// Records a layer; false when there is no room (more than `capacity` layers, or an offset past
    /// `maximumOffset`).
    mutating func append(_ kind: TunnelKind, ip: Int, header: Int) -> Bool {
        guard Int(count) < TunnelMarks.capacity, ip <= TunnelMarks.maximumOffset,
            header <= TunnelMarks.maximumOffset
        else { return false }
        marks[Int(count)] = UInt32(kind.rawValue) << 28 | UInt32(ip) << 14 | UInt32(header)
        count += 1
        return true
    }

    /// Layer `i` (outermost is 0): its kind, the offset of its outer IP header and of its own header.
    public subscript(_ i: Int) -> (kind: TunnelKind, ip: Int, header: Int) {
        let mark = marks[i]
        return (TunnelKind(rawValue: UInt8(mark >> 28)) ?? .ipInIP, Int(mark >> 14 & 0x3FFF), Int(mark & 0x3FFF))
    }
}

/// UDP ports that carry a tunnel besides the IANA ones (`--tunnel-port KIND=PORT`): up to `capacity` of them.
public struct TunnelPorts: Sendable, Hashable {
    /// Per entry: kind << 16 | port; 0 is an empty slot.
    private var entries = SIMD8<UInt32>()
    public private(set) var count = 0

    public init() {}

    public static let capacity = 8

    /// Adds a port for `kind`; false when `capacity` ports are already set.
    public mutating func add(_ kind: TunnelKind, port: UInt16) -> Bool {
        guard count < TunnelPorts.capacity else { return false }
        entries[count] = UInt32(kind.rawValue) << 16 | UInt32(port)
        count += 1
        return true
    }

    /// The kind registered for `port`, if any.
    func kind(for port: UInt16) -> TunnelKind? {
        for i in 0..<count where UInt16(truncatingIfNeeded: entries[i]) == port {
            return TunnelKind(rawValue: UInt8(truncatingIfNeeded: entries[i] >> 16))
        }
        return nil
    }
}
