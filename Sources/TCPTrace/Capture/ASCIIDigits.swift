/// Decimal digits written straight into bytes, four per division and two per entry of a table of "00" to "99":
/// the one place numbers become text on the paths that run per connection (JSON integers, timestamps,
/// addresses), where a `String` per number cost an allocation or a generic conversion.
enum ASCIIDigits {
    /// How many digits `value` has in decimal (1 for 0).
    @inline(__always)
    static func count(_ value: UInt64) -> Int {
        var n = 1
        var v = value
        while v >= 10_000 { v /= 10_000; n += 4 }
        if v >= 100 { v /= 100; n += 2 }
        if v >= 10 { n += 1 }
        return n
    }

    /// Writes the `digits` last decimal digits of `value` (zero-padded) so that the last one is at `end - 1`.
    /// `digits` is at least `count(value)` for the whole number. Four digits per division by 10,000, each
    /// four split into two table pairs apart from the next division (the divisions are the only chain).
    @inline(__always)
    static func write(_ value: UInt64, digits: Int, endingAt end: UnsafeMutablePointer<UInt8>) {
        var v = value
        var p = UnsafeMutableRawPointer(end)
        var left = digits
        let pairs = UnsafeRawPointer(digitPairs.utf8Start)
        while left >= 4 {
            let q = v / 10_000
            let four = Int(truncatingIfNeeded: v &- q &* 10_000)
            v = q
            let high = (four &* 5243) >> 19  // four / 100 for four < 10,000
            let low = four &- high &* 100
            p -= 4
            p.storeBytes(of: pairs.loadUnaligned(fromByteOffset: high &* 2, as: UInt16.self), as: UInt16.self)
            p.storeBytes(
                of: pairs.loadUnaligned(fromByteOffset: low &* 2, as: UInt16.self), toByteOffset: 2,
                as: UInt16.self)
            left -= 4
        }
        if left >= 2 {
            let q = v / 100
            let two = Int(truncatingIfNeeded: v &- q &* 100)
            v = q
            p -= 2
            p.storeBytes(of: pairs.loadUnaligned(fromByteOffset: two &* 2, as: UInt16.self), as: UInt16.self)
            left -= 2
        }
        if left == 1 {
            p -= 1
            p.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10), as: UInt8.self)
        }
    }

    /// Writes `value` in decimal at `start`; returns the number of bytes written (at most 20, with a sign).
    @inline(__always)
    static func write(_ value: Int64, at start: UnsafeMutablePointer<UInt8>) -> Int {
        // Most counts in a report are below 100 (zeros above all): one or two bytes without the general path.
        if UInt64(bitPattern: value) < 100 {
            if value < 10 {
                start[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value)
                return 1
            }
            UnsafeMutableRawPointer(start).storeBytes(
                of: UnsafeRawPointer(digitPairs.utf8Start).loadUnaligned(
                    fromByteOffset: Int(value) &* 2, as: UInt16.self),
                as: UInt16.self)
            return 2
        }
        var p = start
        if value < 0 { p[0] = UInt8(ascii: "-"); p += 1 }
        let digits = count(value.magnitude)
        write(value.magnitude, digits: digits, endingAt: p + digits)
        return p - start + digits
    }

    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
}
