import Foundation

@testable import TCPTrace

/// A JSON value a test expects, with object members in the order they must be written: built by a test from
/// the facts themselves (not through the library's writer or `JSONValue`), then compared with what the writer
/// wrote, parsed (`mismatch`), and with the order of the keys written (`keyOrder`).
indirect enum ExpectedJSON {
    case null
    case bool(Bool)
    case int(Int64)
    /// `null` if not finite (JSON has no infinities or NaN).
    case double(Double)
    case text(String)
    /// Epoch seconds with nine digits, as a number.
    case time(Timestamp)
    case array([ExpectedJSON])
    case members([(String, ExpectedJSON)])

    static func object(_ members: KeyValuePairs<String, ExpectedJSON>) -> ExpectedJSON {
        .members(members.map { ($0.key, $0.value) })
    }

    static func int(_ i: Int) -> ExpectedJSON { .int(Int64(i)) }
    static func int(_ i: Int?) -> ExpectedJSON { i.map { .int(Int64($0)) } ?? .null }
    static func int(_ i: UInt64) -> ExpectedJSON { .int(Int64(i)) }
    static func double(_ d: Double?) -> ExpectedJSON { d.map { .double($0) } ?? .null }
    static func text(_ s: String?) -> ExpectedJSON { s.map { .text($0) } ?? .null }
    static func time(_ t: Timestamp?) -> ExpectedJSON { t.map { .time($0) } ?? .null }

    /// Where `parsed` differs from this value (the first difference, with its path), or nil if it does not.
    /// Numbers compare by value (`5` and `5.0` are the same number).
    func mismatch(_ parsed: JSONNode?, path: String = "$") -> String? {
        guard let parsed else { return "\(path): missing" }
        switch self {
        case .null: return parsed == .null ? nil : "\(path): \(parsed), expected null"
        case .bool(let b): return parsed == .bool(b) ? nil : "\(path): \(parsed), expected \(b)"
        case .int(let i):
            return parsed == .integer(i) ? nil : "\(path): \(parsed), expected \(i)"
        case .double(let d):
            guard d.isFinite else { return parsed == .null ? nil : "\(path): \(parsed), expected null" }
            return parsed.numeric == d ? nil : "\(path): \(parsed), expected \(d)"
        case .text(let s): return parsed == .string(s) ? nil : "\(path): \(parsed), expected \"\(s)\""
        case .time(let t):
            let seconds = ExpectedJSON.seconds(t)
            return parsed.numeric == Double(seconds) ? nil : "\(path): \(parsed), expected \(seconds)"
        case .array(let items):
            guard case .array(let got) = parsed, got.count == items.count else {
                return "\(path): \(parsed), expected \(items.count) items"
            }
            for (i, item) in items.enumerated() {
                if let m = item.mismatch(got[i], path: "\(path)[\(i)]") { return m }
            }
            return nil
        case .members(let members):
            guard case .object(let got) = parsed else { return "\(path): \(parsed), expected an object" }
            let extra = Set(got.keys).subtracting(members.map { $0.0 })
            if !extra.isEmpty { return "\(path): unexpected \(extra.sorted())" }
            for (key, value) in members {
                if let m = value.mismatch(got[key], path: "\(path).\(key)") { return m }
            }
            return nil
        }
    }

    /// Every object key, depth first, in the order the members must be written.
    var keyOrder: [String] {
        switch self {
        case .array(let items): items.flatMap { $0.keyOrder }
        case .members(let members): members.flatMap { [$0.0] + $0.1.keyOrder }
        default: []
        }
    }

    /// The keys of JSON `text`, in the order written: each string followed (after blanks) by a colon.
    static func keyOrder(of text: [UInt8]) -> [String] {
        var keys: [String] = []
        var i = 0
        while i < text.count {
            guard text[i] == UInt8(ascii: "\"") else { i += 1; continue }
            var end = i + 1
            while text[end] != UInt8(ascii: "\"") { end += text[end] == UInt8(ascii: "\\") ? 2 : 1 }
            var next = end + 1
            while next < text.count && (text[next] == UInt8(ascii: " ") || text[next] == UInt8(ascii: "\n")) {
                next += 1
            }
            if next < text.count && text[next] == UInt8(ascii: ":") {
                keys.append(String(decoding: text[(i + 1)..<end], as: UTF8.self))
            }
            i = end + 1
        }
        return keys
    }

    /// `t` as seconds with nine decimals, worked out from its nanoseconds (floor division, so the digits of a
    /// time before 1970 count up from the second before it).
    static func seconds(_ t: Timestamp) -> String {
        var whole = t.nanoseconds / 1_000_000_000
        var fraction = t.nanoseconds % 1_000_000_000
        if fraction < 0 { whole -= 1; fraction += 1_000_000_000 }
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 9 - digits.count) + digits
    }
}
