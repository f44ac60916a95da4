/// Where a packet's tunnel layers sit, outermost first: each layer's kind, the offset of its outer IP header
/// and the offset of its own header (`PacketDecoder` writes them as it unwraps; `TunnelLayer(_:mark:)` reads
/// the layer's addresses and ids from the packet afterwards). A plain value of fixed size, so a tunnelled
/// packet costs no allocation; at most `capacity` layers (a deeper packet is counted and skipped).
public struct TunnelMarks: Sendable, Hashable {
    /// Equal when they record the same layers (words past `count` are leftovers and do not count).
    public static func == (lhs: TunnelMarks, rhs: TunnelMarks) -> Bool {
        lhs.count == rhs.count && (0..<Int(lhs.count)).allSatisfy { lhs[$0] == rhs[$0] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in 0..<Int(count) {
            let layer = self[i]
            hasher.combine(layer.kind)
            hasher.combine(layer.ip)
            hasher.combine(layer.header)
        }
    }

    /// Per layer, 32 bits: kind (4 bits) << 28 | outer IP offset (14 bits) << 14 | header offset (14 bits);
    /// two layers a word (a SIMD vector would align the segment to 32 bytes).
    private var marks: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// Layers recorded (after the words: the segment's next small fields fill the rest of this one's last).
    public private(set) var count: UInt8 = 0

    public init() {}

    /// Most tunnel layers followed in one packet.
    public static let capacity = 8
    /// Offsets beyond this are not recorded (a packet whose tunnels sit this deep is skipped as too deep).
    static let maximumOffset = 1 << 14 - 1

    /// Forgets every layer (the decoder's first step for each packet).
    @inline(__always)
    mutating func removeAll() { count = 0 }  // (`append` overwrites a word's first layer: no clearing needed)

    /// Records a layer; false when there is no room (more than `capacity` layers, or an offset past
    /// `maximumOffset`).
    mutating func append(_ kind: TunnelKind, ip: Int, header: Int) -> Bool {
        guard Int(count) < TunnelMarks.capacity, ip <= TunnelMarks.maximumOffset,
            header <= TunnelMarks.maximumOffset
        else { return false }
        let mark = UInt64(kind.rawValue) << 28 | UInt64(ip) << 14 | UInt64(header)
        // A word's first layer replaces the word (whatever an earlier packet left there), its second is or'ed in.
        let first = count & 1 == 0
        switch count >> 1 {
        case 0: marks.0 = first ? mark : marks.0 | mark << 32
        case 1: marks.1 = first ? mark : marks.1 | mark << 32
        case 2: marks.2 = first ? mark : marks.2 | mark << 32
        default: marks.3 = first ? mark : marks.3 | mark << 32
        }
        count += 1
        return true
    }

    /// Layer `i` (outermost is 0): its kind, the offset of its outer IP header and of its own header.
    public subscript(_ i: Int) -> (kind: TunnelKind, ip: Int, header: Int) {
        let word: UInt64
        switch i >> 1 {
        case 0: word = marks.0
        case 1: word = marks.1
        case 2: word = marks.2
        default: word = marks.3
        }
        let mark = UInt32(truncatingIfNeeded: word >> (UInt64(i & 1) * 32))
        return (TunnelKind(rawValue: UInt8(mark >> 28)) ?? .ipInIP, Int(mark >> 14 & 0x3FFF), Int(mark & 0x3FFF))
    }
}

/// UDP ports that carry a tunnel besides the IANA ones (`--tunnel-port KIND=PORT`): up to `capacity`, inline
/// (the segment carries them to the decoder and stays a plain value).
public struct TunnelPorts: Sendable, Hashable {
    /// Per entry, 32 bits: kind << 16 | port, two a word; an entry of 0 is empty.
    private var entries: (UInt64, UInt64) = (0, 0)
    public private(set) var count: UInt8 = 0

    public init() {}

    public static let capacity = 4

    public static func == (lhs: TunnelPorts, rhs: TunnelPorts) -> Bool { lhs.entries == rhs.entries }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.0)
        hasher.combine(entries.1)
    }

    /// Adds a port for `kind`, a UDP kind; false when `capacity` ports are already set or the kind is not
    /// carried in UDP.
    public mutating func add(_ kind: TunnelKind, port: UInt16) -> Bool {
        guard count < TunnelPorts.capacity, kind.isUDP else { return false }
        let count = Int(self.count)
        let entry = (UInt64(kind.rawValue) << 16 | UInt64(port)) << (UInt64(count & 1) * 32)
        if count < 2 { entries.0 |= entry } else { entries.1 |= entry }
        self.count += 1
        return true
    }

    /// The kind registered for `port`, if any.
    func kind(for port: UInt16) -> TunnelKind? {
        for i in 0..<Int(count) {
            let entry = UInt32(truncatingIfNeeded: (i < 2 ? entries.0 : entries.1) >> (UInt64(i & 1) * 32))
            if UInt16(truncatingIfNeeded: entry) == port {
                return TunnelKind(rawValue: UInt8(truncatingIfNeeded: entry >> 16))
            }
        }
        return nil
    }
}
