/// A packet timestamp: nanoseconds since the Unix epoch (fits until the year 2262).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64, nanoseconds: Int64) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ nanoseconds
    }

    public static func seconds(_ value: Double) -> Timestamp { Timestamp(nanoseconds: Int64(value * 1e9)) }

    /// Seconds since the epoch as a Double (microsecond-exact for current dates).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Seconds from `self` to `later`.
    public func interval(to later: Timestamp) -> Double { Double(later.nanoseconds &- nanoseconds) / 1e9 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `seconds.nanoseconds`, exact.
    public var description: String { withDescription { String(decoding: $0, as: UTF8.self) } }

    /// Calls `body` with the UTF-8 of `description` (whole seconds rounded down, a point, nine digits), made
    /// in a stack buffer: the JSON writer copies it without a string per timestamp.
    public func withDescription<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        // Seconds rounded down (a remainder below zero borrows one), then the nanoseconds as nine digits.
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 { seconds -= 1; fraction += 1_000_000_000 }
        // The seconds (at most 11 bytes with a sign), the point, nine digits.
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let count = ASCIIDigits.write(seconds, at: base)
            base[count] = UInt8(ascii: ".")
            ASCIIDigits.write(UInt64(fraction), digits: 9, endingAt: base + count + 10)
            return body(UnsafeRawBufferPointer(start: base, count: count + 10))
        }
    }
}
