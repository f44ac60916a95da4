/// Where the JSON primitives write: a byte array (the `JSONValue` tree) or `JSONBuffer` (the writer).
protocol JSONSink {
    mutating func write(_ byte: UInt8)
    mutating func write(_ bytes: UnsafeRawBufferPointer)
    /// `value` in decimal.
    mutating func writeDecimal(_ value: Int64)
}

extension JSONSink {
    @inline(__always) mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) { write(UnsafeRawBufferPointer(bytes)) }

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
