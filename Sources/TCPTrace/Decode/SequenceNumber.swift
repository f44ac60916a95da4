/// A 32-bit TCP sequence or acknowledgment number, compared with RFC 1982 serial-number arithmetic so that
/// comparisons stay right across the 2^32 wrap. Plain `<` on the raw `UInt32` is never used.
public struct SequenceNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Signed distance from `self` to `other` (positive when `other` is after `self`), RFC 1982 section 3.2.
    /// Two numbers exactly 2^31 apart compare as "after" (the distance is Int32.min), which is undefined in
    /// RFC 1982; callers never rely on that case.
    @inline(__always)
    public func distance(to other: SequenceNumber) -> Int32 {
        Int32(bitPattern: other.rawValue &- rawValue)
    }

    @inline(__always)
    public func advanced(by n: Int64) -> SequenceNumber {
        SequenceNumber(rawValue &+ UInt32(truncatingIfNeeded: n))
    }

    @inline(__always)
    public static func < (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool {
        lhs.distance(to: rhs) > 0
    }

    @inline(__always)
    public static func + (lhs: SequenceNumber, rhs: UInt32) -> SequenceNumber {
        SequenceNumber(lhs.rawValue &+ rhs)
    }

    /// Offset of `self` relative to a base (an ISN), as Wireshark's relative sequence numbers show it.
    public func relative(to base: SequenceNumber) -> UInt32 { rawValue &- base.rawValue }

    public var description: String { String(rawValue) }
}
