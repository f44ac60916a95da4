/// Where the JSON primitives write: a byte array (the `JSONValue` tree) or `JSONBuffer` (the writer).
protocol JSONSink {
    mutating func write(_ byte: UInt8)
    mutating func write(_ bytes: UnsafeRawBufferPointer)
    /// `value` in decimal.
    mutating func writeDecimal(_ value: Int64)
}

extension JSONSink {
    @inline(__always) mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) { write(UnsafeRawBufferPointer(bytes)) }

    /// `n` spaces (indentation, a text row's padding), copied from a run of them.
    mutating func writeSpaces(_ n: Int) {
        let run = JSONValue.lineBreakAndSpaces.utf8CodeUnitCount - 1
        var n = n
        while n > 0 {
            let k = min(n, run)
            write(UnsafeRawBufferPointer(start: JSONValue.lineBreakAndSpaces.utf8Start + 1, count: k))
            n -= k
        }
    }

    /// The digits made in a stack buffer (20 bytes hold Int64.min's 19 digits and sign), then copied.
    mutating func writeDecimal(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            write(UnsafeRawBufferPointer(start: base, count: ASCIIDigits.write(value, at: base)))
        }
    }
}

extension Array: JSONSink where Element == UInt8 {
    @inline(__always) mutating func write(_ byte: UInt8) { append(byte) }
    @inline(__always) mutating func write(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}
