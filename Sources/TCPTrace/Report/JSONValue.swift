/// A JSON value with object keys kept in insertion order, so output is deterministic and reads in the
/// order docs/json.md documents.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// A number already written out exactly (timestamps with nanosecond digits).
    case number(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    static func optional(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    static func optional(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// Epoch seconds with all nine nanosecond digits, exactly.
    static func time(_ value: Timestamp?) -> JSONValue { value.map { .number($0.description) } ?? .null }

    /// An object whose member names come from the name table, in the order given.
    static func object(_ members: KeyValuePairs<JSONKey, JSONValue>) -> JSONValue {
        .object(members.map { ($0.key.string, $0.value) })
    }

    /// Serialises compactly (`pretty: false`, one line) or with two-space indentation.
    public func serialized(pretty: Bool = true, indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out, indent: pretty ? indent : nil)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes UTF-8 bytes (much cheaper than growing a String piece by piece). `JSONWriter` writes the same
    /// bytes without a tree; both share the primitive writers below.
    private func write(into out: inout [UInt8], indent: Int?) {
        switch self {
        case .null: JSONValue.append("null", to: &out)
        case .bool(let b): JSONValue.append(b ? "true" : "false", to: &out)
        case .int(let i): JSONValue.append(i, to: &out)
        case .double(let d): JSONValue.append(d, to: &out)
        case .string(let s): JSONValue.escape(s, into: &out)
        case .number(let n): out += n.utf8
        case .array(let items):
            if items.isEmpty { JSONValue.append("[]", to: &out); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                item.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { JSONValue.append("{}", to: &out); return }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                JSONValue.escape(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    // MARK: Primitive writers, shared with `JSONWriter`

    /// An integer in decimal, without a String in between (`JSONSink.writeDecimal`).
    @inline(__always)
    static func append<Sink: JSONSink>(_ value: Int64, to out: inout Sink) {
        out.writeDecimal(value)
    }

    /// Literal text (`null`, `true`, punctuation) copied in one go.
    @inline(__always)
    static func append<Sink: JSONSink>(_ text: StaticString, to out: inout Sink) {
        // (Its bytes read in place: `withUTF8Buffer`'s closure cost some 80 instructions a call, callgrind.)
        out.write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A Double as `number(_:)` spells it; `null` for infinities and NaN, which JSON cannot hold.
    static func append<Sink: JSONSink>(_ value: Double, to out: inout Sink) {
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes ≥ 26
        let exact = withUnsafeMutableBytes(of: &text) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard let count = writeExact(value, at: base) else { return false }
            out.write(UnsafeRawBufferPointer(start: base, count: count))
            return true
        }
        if exact {
            return
        } else if !value.isFinite {
            append("null", to: &out)
        } else {
            // Swift's own shortest digits, as `description` spells them, handed over without a String.
            var digits = DoubleDigits()
            value.write(to: &digits)
            digits.withBytes { out.write($0) }
        }
    }

    /// `value` as `append(_:to:)` spells it, written at `base` (room for 26 bytes), if it is a whole number or
    /// whole nanoseconds (`wholeNanoseconds`), as most are; returns its length, or nil for the rest (not
    /// finite, or the general conversion). `JSONWriter` writes members' numbers through it in place.
    @inline(__always)
    static func writeExact(_ value: Double, at base: UnsafeMutablePointer<UInt8>) -> Int? {
        guard value.isFinite else { return nil }
        if isIntegral(value) { return ASCIIDigits.write(Int64(value), at: base) }
        if let nanoseconds = wholeNanoseconds(value) { return writeNanoseconds(nanoseconds, at: base) }
        return nil
    }

    /// `value` as whole nanoseconds, if it is the Double nearest to n / 10^9 for an integer n with at most 15
    /// digits: durations, RTTs and idle times are made that way from nanosecond timestamps. Such a Double's
    /// shortest text is n's digits with the point moved (two decimals of at most 15 significant digits never
    /// share a Double), so `writeNanoseconds` writes it without the general conversion, which took a fifth
    /// of the time of rendering a connection. Anything else (a mean, a rate) is nil and takes that conversion.
    @inline(__always)
    static func wholeNanoseconds(_ value: Double) -> Int64? {
        guard abs(value) < 1e6 else { return nil }
        let scaled = value * 1e9
        let n = Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
        return Double(n) / 1e9 == value ? n : nil
    }

    /// `n` nanoseconds as seconds, spelled as Swift spells the Double (`description`): from 10^-4 on as a
    /// decimal (`0.00015`, `12.5`), below it in exponent form with two exponent digits (`1.5e-05`, `1e-09`).
    /// `n` is not a whole number of seconds and has at most 15 digits. Written at `base`, which has room for
    /// 26 bytes; returns the length.
    @inline(__always)
    static func writeNanoseconds(_ n: Int64, at base: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 0
        if n < 0 { base[0] = UInt8(ascii: "-"); count = 1 }
        var magnitude = n.magnitude
        if magnitude >= 100_000 {
            // Whole seconds, the point, nine digits less the trailing zeros (there is a nonzero one).
            let whole = magnitude / 1_000_000_000
            let digits = ASCIIDigits.count(whole)
            ASCIIDigits.write(whole, digits: digits, endingAt: base + count + digits)
            count += digits
            base[count] = UInt8(ascii: ".")
            ASCIIDigits.write(magnitude % 1_000_000_000, digits: 9, endingAt: base + count + 10)
            count += 10
            while base[count - 1] == UInt8(ascii: "0") { count -= 1 }
        } else {
            // d.ddd e-0X: the value's first digit is 10^(digits - 10), five to nine places after the point.
            let exponent = 10 - ASCIIDigits.count(magnitude)
            while magnitude % 10 == 0 { magnitude /= 10 }
            let digits = ASCIIDigits.count(magnitude)
            ASCIIDigits.write(magnitude, digits: digits, endingAt: base + count + 1 + digits)
            // The first digit moves left by one to make room for the point after it.
            base[count] = base[count + 1]
            if digits > 1 {
                base[count + 1] = UInt8(ascii: ".")
                count += 1 + digits
            } else {
                count += 1
            }
            base[count] = UInt8(ascii: "e")
            base[count + 1] = UInt8(ascii: "-")
            base[count + 2] = UInt8(ascii: "0")
            base[count + 3] = UInt8(ascii: "0") + UInt8(exponent)
            count += 4
        }
        return count
    }

    /// A line break and two spaces per level; nothing in the compact form (`indent` nil).
    static func newline<Sink: JSONSink>(_ out: inout Sink, _ indent: Int?) {
        guard let indent else { return }
        // The break and the spaces copied in one go from a run of them (a byte at a time, the pretty document
        // wrote some 1,000 bytes per connection one by one; callgrind, 300,000 packets of short connections,
        // --format json: 3,402.8 M -> 3,154.6 M instructions).
        let spaces = indent * 2
        let first = min(spaces, lineBreakAndSpaces.utf8CodeUnitCount - 1)
        out.write(UnsafeRawBufferPointer(start: lineBreakAndSpaces.utf8Start, count: 1 + first))
        out.writeSpaces(spaces - first)
    }

    /// A line break and 64 spaces (`newline`, `JSONSink.writeSpaces`).
    static let lineBreakAndSpaces: StaticString =
        "\n                                                                "

    /// A quoted string, with quotes, backslashes and control characters escaped. Runs of bytes that need no
    /// escape (all of most strings) are copied in one go.
    static func escape<Sink: JSONSink>(_ s: String, into out: inout Sink) {
        out.write(UInt8(ascii: "\""))
        escapeContents(s, into: &out)
        out.write(UInt8(ascii: "\""))
    }

    /// A finding's detail as one quoted string, its pieces escaped one after the other (escaping goes byte by
    /// byte, so the result is the joined text's).
    static func escape<Sink: JSONSink>(_ detail: FindingDetail, into out: inout Sink) {
        out.write(UInt8(ascii: "\""))
        detail.forEachPiece { escapeContents($0, into: &out) }
        out.write(UInt8(ascii: "\""))
    }

    /// `s` escaped, without the quotes.
    private static func escapeContents<Sink: JSONSink>(_ s: String, into out: inout Sink) {
        if s.utf8.withContiguousStorageIfAvailable({ escapeContents($0, into: &out) }) != nil { return }
        // Only a bridged string lacks contiguous UTF-8; a native copy has it.
        var native = s
        native.makeContiguousUTF8()
        escapeContents(native, into: &out)
    }

    /// `bytes` escaped, without the quotes.
    private static func escapeContents<Sink: JSONSink>(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout Sink) {
        var run = 0
        for (i, byte) in bytes.enumerated() where needsEscape(byte) {
            out.write(UnsafeBufferPointer(rebasing: bytes[run..<i]))
            run = i + 1
            switch byte {
            case UInt8(ascii: "\""): append("\\\"", to: &out)
            case UInt8(ascii: "\\"): append("\\\\", to: &out)
            case UInt8(ascii: "\n"): append("\\n", to: &out)
            case UInt8(ascii: "\r"): append("\\r", to: &out)
            case UInt8(ascii: "\t"): append("\\t", to: &out)
            default:
                // Other control characters as \u00XX in lower-case hex; the high digit is 0 or 1 (byte < 0x20).
                append("\\u00", to: &out)
                out.write(UInt8(ascii: "0") + byte >> 4)
                let low = byte & 0xf
                out.write(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            }
        }
        // UTF-8 lead and continuation bytes pass through unchanged.
        out.write(UnsafeBufferPointer(rebasing: bytes[run...]))
    }

    /// Quotes, backslashes and control characters; JSON takes every other byte as it is.
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The shortest text that reads back as the same Double (Swift's own conversion: `0.008`, `1e-05`, valid
    /// JSON); integral values without a fraction.
    static func number(_ d: Double) -> String {
        isIntegral(d) ? String(Int64(d)) : d.description
    }

    /// Written without a fraction: whole, and small enough that every digit is exact. (Through Int64 and
    /// back, two instructions, where `rounded()` was a call into libm for every number written.)
    @inline(__always)
    private static func isIntegral(_ d: Double) -> Bool { abs(d) < 1e15 && Double(Int64(d)) == d }
}

/// Catches the digits `Double.write(to:)` hands over (the standard library's shortest round-trip conversion,
/// the text of `description` for every finite value) in a stack buffer.
///
/// Seam for a speed trick (issue 21): `description` returns a String, a heap allocation when the text runs over
/// 15 characters, and a rate or a standard deviation usually does (`2306650.7367582633`,
/// `6.349803146555017e-05`): 2.3 allocations per connection on bench-gen's short connections in JSONL, where
/// the target is none. `write(to:)` gives the digits to the stream's `_writeASCII`, the underscored requirement
/// of `TextOutputStream` the standard library calls with its own buffer; the public `write(_:)` is only the
/// fallback. `JSONWriterTests.doublesSpellAsDescription` holds the result to `description` on ~900,000 values.
struct DoubleDigits: TextOutputStream {
    private var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)  // 48 bytes
    private var count = 0
    /// A String was handed over instead (a standard library that does not call `_writeASCII`).
    private var text: String?

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard text == nil, count + buffer.count <= MemoryLayout.size(ofValue: bytes) else {
            write(String(decoding: buffer, as: UTF8.self))
            return
        }
        let at = count
        withUnsafeMutableBytes(of: &bytes) { raw in
            UnsafeMutableRawBufferPointer(rebasing: raw[at..<at + buffer.count]).copyMemory(from: .init(buffer))
        }
        count += buffer.count
    }

    mutating func write(_ string: String) {
        var whole = text ?? withUnsafeBytes(of: bytes) { String(decoding: $0.prefix(count), as: UTF8.self) }
        whole += string
        text = whole
    }

    /// Calls `body` with the digits.
    func withBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
        if var text {
            text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        } else {
            withUnsafeBytes(of: bytes) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        }
    }
}
