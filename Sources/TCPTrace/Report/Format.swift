/// Number formatting shared by the renderers and finding details.
enum Format {
    /// Seconds with millisecond precision and an `s` suffix: `0.042s`, `61.000s`.
    static func seconds(_ value: Double) -> String {
        fixed(value, decimals: 3) + "s"
    }

    /// Fixed-point text without Foundation's locale handling.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let negative = value < 0
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e18 else { return String(value) }
        let integer = Int64(scaled)
        let whole = integer / Int64(scale)
        var text = String(whole)
        if decimals > 0 {
            let frac = String(integer % Int64(scale))
            text += "." + String(repeating: "0", count: decimals - frac.count) + frac
        }
        return negative && integer != 0 ? "-" + text : text
    }

    /// Each line longer than `width` characters broken at its last space before the limit, the rest indented
    /// by four spaces more than the line (a word longer than the line stays whole).
    static func wrapped(_ text: String, width: Int) -> String {
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = Substring(line)
            let indent = String(repeating: " ", count: line.prefix { $0 == " " }.count + 4)
            var first = true
            while true {
                let room = first ? width : width - indent.count
                if rest.count <= room {
                    out += (first ? "" : indent) + rest
                    break
                }
                let limit = rest.index(rest.startIndex, offsetBy: room)
                guard let space = rest[..<limit].lastIndex(of: " "), space > rest.startIndex else {
                    out += (first ? "" : indent) + rest
                    break
                }
                out += (first ? "" : indent) + rest[..<space] + "\n"
                rest = rest[rest.index(after: space)...]
                first = false
            }
            out += "\n"
        }
        return String(out.dropLast())
    }
}
