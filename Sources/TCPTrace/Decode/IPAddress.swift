/// An IPv4 or IPv6 address held inline (no heap storage), so a decoded segment stays a plain value.
///
/// IPv4 addresses live in the low 32 bits of `low`; `high` is zero for them.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(ipv4: UInt32) {
        self.high = 0
        self.low = UInt64(ipv4)
        self.isIPv6 = false
    }

    public init(ipv6High: UInt64, low: UInt64) {
        self.high = ipv6High
        self.low = low
        self.isIPv6 = true
    }

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (with `::`). Returns nil for anything else.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let words = IPAddress.parseIPv6(text) else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for i in 0..<4 { high = high << 16 | UInt64(words[i]) }
            for i in 4..<8 { low = low << 16 | UInt64(words[i]) }
            self.init(ipv6High: high, low: low)
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            self.init(ipv4: value)
        }
    }

    private static func parseIPv6(_ text: String) -> [UInt16]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func words(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard group.count <= 4, let word = UInt16(group, radix: 16) else { return nil }
                result.append(word)
            }
            return result
        }
        guard let head = words(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = words(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    public var description: String { withText { String(decoding: $0, as: UTF8.self) } }

    /// Calls `body` with the UTF-8 of `description`, made in a stack buffer (the JSON writer copies it
    /// without a String per address). IPv6 as RFC 5952: lower-case hex without leading zeros, the longest
    /// run of two or more zero words (the first on a tie) written `::`.
    public func withText<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        // At most 39 bytes (eight words of four digits and seven colons).
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var n = 0
            if !isIPv6 {
                let v = UInt32(truncatingIfNeeded: low)
                var shift: UInt32 = 24
                while true {
                    let octet = UInt64(v >> shift & 0xff)
                    let digits = ASCIIDigits.count(octet)
                    ASCIIDigits.write(octet, digits: digits, endingAt: base + n + digits)
                    n += digits
                    if shift == 0 { break }
                    base[n] = UInt8(ascii: ".")
                    n += 1
                    shift -= 8
                }
                return body(UnsafeRawBufferPointer(start: base, count: n))
            }
            func word(_ i: Int) -> UInt16 {
                UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> UInt64(48 - 16 * (i & 3)))
            }
            var bestStart = -1, bestLength = 0, runStart = -1
            for i in 0...8 {
                if i < 8 && word(i) == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                    runStart = -1
                }
            }
            if bestLength < 2 { bestStart = 8 }
            var i = 0
            while i < 8 {
                if i == bestStart {
                    base[n] = UInt8(ascii: ":"); base[n + 1] = UInt8(ascii: ":"); n += 2
                    i += bestLength
                    continue
                }
                if i > 0 && i != bestStart + bestLength { base[n] = UInt8(ascii: ":"); n += 1 }
                let w = word(i)
                var shift: UInt16 = 12
                while shift > 0 && w >> shift == 0 { shift -= 4 }
                while true {
                    let digit = UInt8(truncatingIfNeeded: w >> shift & 0xf)
                    base[n] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                    n += 1
                    if shift == 0 { break }
                    shift -= 4
                }
                i += 1
            }
            return body(UnsafeRawBufferPointer(start: base, count: n))
        }
    }

    /// Text for an endpoint: `10.0.0.1:80` or `[::1]:80`.
    public func endpoint(port: UInt16) -> String {
        withEndpointText(port: port) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 of `endpoint(port:)`, made in a stack buffer (the text table writes it
    /// without a String: one over 15 bytes, such as `10.0.12.34:40000`, is a heap allocation).
    public func withEndpointText<R>(port: UInt16, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withText { address in
            // At most 47 bytes: brackets, 39 of an IPv6 address, the colon and five digits.
            var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &text) { buffer in
                let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                var n = 0
                if isIPv6 { base[n] = UInt8(ascii: "["); n += 1 }
                UnsafeMutableRawBufferPointer(start: base + n, count: address.count).copyMemory(from: address)
                n += address.count
                if isIPv6 { base[n] = UInt8(ascii: "]"); n += 1 }
                base[n] = UInt8(ascii: ":")
                n += 1
                n += ASCIIDigits.write(Int64(port), at: base + n)
                return body(UnsafeRawBufferPointer(start: base, count: n))
            }
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.high, lhs.low) < (rhs.isIPv6 ? 1 : 0, rhs.high, rhs.low)
    }
}
