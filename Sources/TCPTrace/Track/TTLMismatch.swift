/// A RST whose IP TTL (hop limit) differs by 3 or more from every other segment its sender sent on the
/// connection: a sign of a reset forged by a third party on the path.
public struct TTLMismatch: Sendable, Hashable {
    /// The RST's TTL.
    public var rst: UInt8
    /// The sender's other segments' TTL nearest to it.
    public var sender: UInt8

    /// Least difference that counts.
    public static let threshold = 3

    /// The mismatch of a RST with TTL `ttl` from a sender whose other segments came with `low...high`; nil
    /// when they agree or there were none.
    static func check(_ ttl: UInt8, low: UInt8, high: UInt8) -> TTLMismatch? {
        guard low <= high else { return nil }
        if Int(ttl) <= Int(low) - threshold { return TTLMismatch(rst: ttl, sender: low) }
        if Int(ttl) >= Int(high) + threshold { return TTLMismatch(rst: ttl, sender: high) }
        return nil
    }

    /// The words the RST's finding adds.
    var note: String {
        "; its IP TTL \(rst) differs from the \(sender) of the sender's other segments: a sign of a forged "
            + "(injected) reset"
    }
}
