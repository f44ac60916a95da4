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
}
