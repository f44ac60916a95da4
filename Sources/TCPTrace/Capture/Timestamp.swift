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
    public var description: String {
        let s = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        let ns = nanoseconds - s * 1_000_000_000
        let frac = String(ns)
        return "\(s).\(String(repeating: "0", count: 9 - frac.count))\(frac)"
    }
}
