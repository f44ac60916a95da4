/// TCP control bits (RFC 9293 3.1, RFC 3168 for ECE/CWR, RFC 3540 for NS/AE).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    public static let ns = TCPFlags(rawValue: 0x100)

    /// Flag names joined by `,` in wire order from the high bit, as tcpdump-style readers expect:
    /// e.g. `SYN,ACK`, `FIN,PSH,ACK`. Empty flags print as `none`.
    public var description: String {
        var names: [String] = []
        if contains(.syn) { names.append("SYN") }
        if contains(.fin) { names.append("FIN") }
        if contains(.rst) { names.append("RST") }
        if contains(.psh) { names.append("PSH") }
        if contains(.ack) { names.append("ACK") }
        if contains(.urg) { names.append("URG") }
        if contains(.ece) { names.append("ECE") }
        if contains(.cwr) { names.append("CWR") }
        if contains(.ns) { names.append("NS") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}
