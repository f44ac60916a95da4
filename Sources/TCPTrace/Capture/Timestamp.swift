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

    /// Calls `body` with the UTF-8 of `description` (the sign, the whole seconds, a point, nine digits: the
    /// decimal value, before 1970 too), made in a stack buffer: the JSON writer copies it without a string per
    /// timestamp.
    public func withDescription<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let magnitude = nanoseconds.magnitude
        let seconds = Int64(magnitude / 1_000_000_000)
        let fraction = magnitude % 1_000_000_000
        // The sign, the seconds (at most 11 bytes), the point, nine digits.
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let sign = nanoseconds < 0 ? 1 : 0
            if sign == 1 { base[0] = UInt8(ascii: "-") }
            let count = sign + ASCIIDigits.write(seconds, at: base + sign)
            base[count] = UInt8(ascii: ".")
            ASCIIDigits.write(fraction, digits: 9, endingAt: base + count + 10)
            return body(UnsafeRawBufferPointer(start: base, count: count + 10))
        }
    }
}
