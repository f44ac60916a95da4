import Foundation
import Testing

@testable import TCPTrace

/// The byte writer against the `JSONValue` tree (the document-level parts): the same layout and the same
/// primitives, compact (jsonl) and pretty (the `json` document). What a connection holds is checked in
/// `ConnectionJSONTests`.
@Suite struct JSONWriterTests {
    /// Byte equality (a String comparison would let Unicode-equivalent spellings pass); on a difference,
    /// records where it starts and the text around it.
    func same(
        _ written: [UInt8], _ expected: String, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        let wanted = Array(expected.utf8)
        if written == wanted { return true }
        let at = zip(written, wanted).prefix { $0 == $1 }.count
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, at - 60)..<min(bytes.count, at + 60)], as: UTF8.self)
        }
        let message =
            "\(what): differs at byte \(at) of \(wanted.count) (written \(written.count))\n"
            + "written: …\(around(written))…\nwanted:  …\(around(wanted))…"
        Issue.record("\(message)", sourceLocation: sourceLocation)
        return false
    }

    /// Layout cases a connection may not reach: empty and nested containers, arrays of arrays, escapes,
    /// numbers at the edges of the shortest form, negative timestamps.
    @Test(arguments: [nil, 0, 1, 3] as [Int?])
    func layoutMatchesTheTree(_ indent: Int?) {
        let stamp = Timestamp(nanoseconds: -1_500_000_001)
        // Names of the table stand for any: the layout does not depend on them.
        let tree = JSONValue.object([
            .connections: .object([]),
            .files: .array([]),
            .pairs: .array([.array([]), .array([.int(-7), .null]), .object([.id: .object([])])]),
            .detail: .string("quote \" backslash \\ tab \t bell \u{07} é"),
            .notes: .array([
                .double(0.008), .double(1e-5), .double(-0.0), .double(1e20), .double(.nan),
                .double(-.infinity), .double(3),
            ]),
            .findings: .array([.bool(true), .bool(false)]),
            .time: .time(stamp),
            .start: .time(nil),
            .packets: .int(Int64.max),
            .bytes: .int(Int64.min + 1),
            .severities: .object([("warning", .int(2))]),
        ])
        var out: [UInt8] = Array("prefix".utf8)
        JSONWriter.appending(to: &out, indent: indent) { w in
            w.beginObject()
            w.key(.connections); w.beginObject(); w.endObject()
            w.key(.files); w.beginArray(); w.endArray()
            w.key(.pairs); w.beginArray()
            w.beginArray(); w.endArray()
            w.beginArray(); w.value(-7); w.null(); w.endArray()
            w.beginObject(); w.key(.id); w.beginObject(); w.endObject(); w.endObject()
            w.endArray()
            w.member(.detail, "quote \" backslash \\ tab \t bell \u{07} é")
            w.key(.notes); w.beginArray()
            for d in [0.008, 1e-5, -0.0, 1e20, .nan, -.infinity, 3] { w.value(d) }
            w.endArray()
            w.key(.findings); w.beginArray(); w.value(true); w.value(false); w.endArray()
            w.member(.time, time: stamp)
            w.member(.start, time: nil)
            w.key(.packets); w.value(Int64.max)
            w.key(.bytes); w.value(Int64.min + 1)
            w.key(.severities); w.beginObject(); w.key(word: "warning"); w.value(2); w.endObject()
            w.endObject()
        }
        let expected = "prefix" + tree.serialized(pretty: indent != nil, indent: indent ?? 0)
        #expect(same(out, expected, "indent \(indent.map(String.init) ?? "compact")"))
    }

    /// Members written key and value in one go on one line (`compactMember`) against the tree, compact and
    /// pretty: first in their object (no comma) and after another, integers at the digit path's edges, and
    /// numbers of each spelling (whole, whole nanoseconds in both forms, general, negative, not finite, nil).
    @Test(arguments: [nil, 2] as [Int?])
    func membersMatchTheTree(_ indent: Int?) {
        let integers: [Int64] = [0, 7, 9, 10, 42, 99, 100, 12_345, -1, -100, Int64.max, Int64.min]
        let numbers: [Double?] = [
            0, 3, -0.0, 1460, 65535.5, 0.000_123, 1.5e-05, 1e-09, 12.000_000_001, -0.25, 0.875_107,
            2_306_650.736_758_263_3, 6.349_803_146_555_017e-05, 1e20, .nan, -.infinity, nil,
        ]
        // Keys of the table: longest first, then short ones (the entry's copy runs from 1 to 30 bytes).
        let keys: [JSONKey] = [.zeroWindowAdvertisements, .id, .rtt, .synackRetransmitWait, .mss, .port]
        var tree: [(String, JSONValue)] = []
        var out: [UInt8] = []
        JSONWriter.appending(to: &out, indent: indent) { w in
            w.beginObject()
            for (i, value) in integers.enumerated() {
                let key = keys[i % keys.count]
                w.member(key, value)
                tree.append((key.string, .int(value)))
            }
            w.key(.options); w.beginObject()  // (a number first in its object)
            var inner: [(String, JSONValue)] = []
            for (i, value) in numbers.enumerated() {
                let key = keys[(i + 1) % keys.count]
                w.member(key, value)
                inner.append((key.string, value.map { .double($0) } ?? .null))
            }
            w.member(.port, Int?.none)
            w.member(.id, Int?.some(80))
            inner += [("port", .null), ("id", .int(80))]
            w.endObject()
            tree.append(("options", .object(inner)))
            w.endObject()
        }
        let expected = JSONValue.object(tree).serialized(pretty: indent != nil, indent: indent ?? 0)
        #expect(same(out, expected, "members, indent \(indent.map(String.init) ?? "compact")"))
    }

    /// A state's static name is its raw value, and written as a word it gives the same bytes as the String,
    /// compact and pretty, first in an object and after another member.
    @Test(arguments: [nil, 1] as [Int?])
    func staticWordsAreTheRawValues(_ indent: Int?) {
        for state in TCPState.allCases {
            let name = state.staticName
            let text = String(
                decoding: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), as: UTF8.self)
            #expect(text == state.rawValue)
            var viaStatic: [UInt8] = [], viaString: [UInt8] = []
            JSONWriter.appending(to: &viaStatic, indent: indent) { w in
                w.beginObject(); w.member(.state, word: name); w.member(.client, word: name); w.endObject()
            }
            JSONWriter.appending(to: &viaString, indent: indent) { w in
                w.beginObject(); w.member(.state, word: state.rawValue); w.member(.client, word: state.rawValue)
                w.endObject()
            }
            #expect(same(viaStatic, String(decoding: viaString, as: UTF8.self), "\(state)"))
        }
    }

    /// Every key's ready bytes (`JSONKeyTable`) are `,"name":` for its name.
    @Test func keyTableHoldsEachName() {
        for key in JSONKey.allCases {
            let (start, count) = JSONKeyTable.shared.entry(key)
            let entry = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
            #expect(entry == ",\"\(key.string)\":", "\(key)")
        }
    }

    /// The shared primitives against the plain spellings they replace: `String(i)`, and escapes as JSON
    /// writes them (`\n`, `\r`, `\t`, `\"`, `\\`, else `\u00xx` for control characters).
    @Test func primitivesSpellAsBefore() throws {
        var samples: [Int64] = [
            0, 1, 9, 10, 11, 99, 100, 101, 65_535, 1_700_000_000, -1, -9, -10, -12_345,
            Int64.max, Int64.min, Int64.max - 1, Int64.min + 1,
        ]
        var power: Int64 = 1
        for _ in 0..<18 { power *= 10; samples += [power - 1, power, power + 1, -power] }
        for value in samples {
            var out: [UInt8] = []
            JSONValue.append(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
            // The writer's buffer makes the digits in place (`JSONBuffer.writeDecimal`): the same text.
            var written: [UInt8] = []
            JSONWriter.appending(to: &written, indent: nil) { $0.value(value) }
            #expect(String(decoding: written, as: UTF8.self) == String(value))
        }

        let text = String(decoding: Array(0..<0x20) + Array("\"\\/é plain ✓".utf8) + [0x7f], as: UTF8.self)
        var expected = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": expected += "\\\""
            case "\\": expected += "\\\\"
            case "\n": expected += "\\n"
            case "\r": expected += "\\r"
            case "\t": expected += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                expected += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: expected.unicodeScalars.append(scalar)
            }
        }
        expected += "\""
        var out: [UInt8] = []
        JSONValue.escape(text, into: &out)
        #expect(same(out, expected, "escaped control characters"))
        let back = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
        #expect(back == text)
        out.removeAll()
        JSONValue.escape("", into: &out)
        #expect(out == Array("\"\"".utf8))
    }

    /// Doubles made from whole nanoseconds (durations, RTTs) are spelled by `appendNanoseconds`, everything
    /// else by Swift's conversion; both must read exactly as `description` (integral values as integers).
    @Test func doublesSpellAsDescription() {
        func expected(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : d.description
        }
        var values: [Double] = []
        // Every nanosecond count up to 0.3 ms: the exponent form (below 10^-4), the switch to the decimal
        // form at 100,000 ns, and both signs.
        for n in stride(from: 1, through: 300_000, by: 1) { values.append(Double(n) / 1e9) }
        for n in stride(from: 1, through: 300_000, by: 7) { values.append(-Double(n) / 1e9) }
        // Pseudo-random counts of up to 15 digits (up to 10^6 s), and values that are no such count: a
        // sum that is not exact, thirds, rates, and Doubles just beyond the 10^6 s bound.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let n = Int64((state >> 14) % 1_000_000_000_000_000)
            values.append(Double(n) / 1e9)
            values.append(Double(n % 1_000_000_000) / 1e9)
            values.append(Double(state >> 11) / Double(1 << 53) * 1e-3)
        }
        values += [
            0.1 + 0.2, 1.0 / 3, 2.0 / 3 * 1e-6, 424.58056084438454, 65528.545454545456, 999_999.999_999_999,
            1_000_000.5, 1e-10, 5e-324, 1.5e-5, 0.0001, 0.000099999,
        ]
        for d in values {
            var out: [UInt8] = []
            JSONValue.append(d, to: &out)
            if String(decoding: out, as: UTF8.self) != expected(d) {
                Issue.record("\(d): wrote \(String(decoding: out, as: UTF8.self)), description \(expected(d))")
                return
            }
        }
        // The writer's buffer goes through the same primitive.
        var written: [UInt8] = []
        JSONWriter.appending(to: &written, indent: nil) { w in
            w.beginArray()
            w.value(1.5e-05); w.value(0.000123); w.value(12.000000001); w.value(-0.25)
            w.endArray()
        }
        #expect(String(decoding: written, as: UTF8.self) == "[1.5e-05,0.000123,12.000000001,-0.25]")
    }
}

@Suite struct TimestampTextTests {
    @Test func timestampsAreTheirDecimalValueWithNineDigits() {
        // Expected text worked out by hand: the sign, then |n| / 10^9 and |n| mod 10^9 as nine digits, so the
        // number reads as n / 10^9 before 1970 too (a capture with a negative time: -1 ns is -0.000000001,
        // not -1.999999999 as a floor and a positive fraction wrote it).
        let expected: [(Int64, String)] = [
            (0, "0.000000000"), (1, "0.000000001"), (999_999_999, "0.999999999"), (1_000_000_000, "1.000000000"),
            (1_700_000_000_000_000_001, "1700000000.000000001"), (-1, "-0.000000001"),
            (-999_999_999, "-0.999999999"), (-1_000_000_000, "-1.000000000"), (-1_500_000_000, "-1.500000000"),
            (-225_999_999_000, "-225.999999000"),
            (Int64.max, "9223372036.854775807"), (Int64.min + 1_000_000_000, "-9223372035.854775808"),
            (Int64.min, "-9223372036.854775808"),
        ]
        for (n, text) in expected {
            #expect(Timestamp(nanoseconds: n).description == text, "\(n)")
            // The JSON writer copies the same bytes, unquoted, as a number.
            var out: [UInt8] = []
            JSONWriter.appending(to: &out, indent: nil) { $0.time(Timestamp(nanoseconds: n)) }
            #expect(String(decoding: out, as: UTF8.self) == text, "\(n)")
        }
    }
}
