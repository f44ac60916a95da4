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
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        var fraction = nanoseconds - seconds * 1_000_000_000
        var whole = String(seconds)   // a small string (no allocation) up to 15 characters
        // The seconds (at most 20 bytes: 19 digits and a sign), the point, nine digits.
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let count = whole.withUTF8 { utf8 in
                for (i, byte) in utf8.enumerated() { buffer[i] = byte }
                return utf8.count
            }
            buffer[count] = UInt8(ascii: ".")
            for i in stride(from: count + 9, through: count + 1, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[0..<count + 10]))
        }
    }
}
