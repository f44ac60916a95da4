/// Axis ticks and quantities in human units for the graphs: 1-2-5 steps, and labels whose unit (s, ms, µs; B, kB,
/// MB, GB; B/s ... GB/s) follows the largest value shown and whose decimals follow the step. The HTML report's
/// script redraws the ticks of a zoomed graph with the same rules (`HTMLReport.script`, `nice` and `label`).
enum GraphAxis {
    /// Values that are multiples of a 1, 2 or 5 step between `lo` and `hi`, about `count` of them; `[lo]` when
    /// the range is empty or not finite. A byte axis ("B") steps by whole bytes.
    static func ticks(_ lo: Double, _ hi: Double, count: Int, unit: String = "") -> (step: Double, values: [Double]) {
        let raw = (hi - lo) / Double(max(1, count))
        guard raw > 0, raw.isFinite, lo.isFinite else { return (1, [lo]) }
        let magnitude = pow10(decade(raw))
        let r = raw / magnitude
        let nice = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude
        let step = unit == "B" ? max(1, nice) : nice
        var values: [Double] = []
        var i = (lo / step - 1e-9).rounded(.up)
        while i * step <= hi + step * 1e-9, values.count < 100 {
            values.append(i * step)
            i += 1
        }
        return (step, values)
    }

    /// A tick label: `v` in the unit that suits `largest` (the biggest magnitude on the axis), with as many
    /// decimals as `step` needs. `unit` is "s", "B" or "B/s"; any other unit is written after the plain number.
    static func label(_ v: Double, step: Double, largest: Double, unit: String) -> String {
        let (scale, name) = prefix(largest, unit: unit)
        let stepInUnit = step / scale
        // A 1, 2 or 5 step of 10^e needs -e decimals (1e-9 absorbs the error of the division by the scale).
        let decimals = max(0, min(9, -decade(stepInUnit * (1 + 1e-9))))
        return Format.fixed(v / scale, decimals: decimals) + " " + name
    }

    /// One quantity with three significant digits: `174.6 MB/s` → `175 MB/s`, `1.46 kB`, `820 µs`.
    static func human(_ v: Double, unit: String) -> String {
        let (scale, name) = prefix(abs(v), unit: unit)
        let x = abs(v / scale)
        return Format.fixed(v / scale, decimals: x < 10 ? 2 : x < 100 ? 1 : 0) + " " + name
    }

    /// The divisor and unit name for values up to `largest`.
    static func prefix(_ largest: Double, unit: String) -> (Double, String) {
        let m = abs(largest)
        switch unit {
        case "s":
            if m >= 1 || m == 0 { return (1, "s") }
            return m >= 1e-3 ? (1e-3, "ms") : (1e-6, "µs")
        case "B", "B/s":
            let suffix = unit == "B/s" ? "/s" : ""
            if m >= 1e9 { return (1e9, "GB" + suffix) }
            if m >= 1e6 { return (1e6, "MB" + suffix) }
            if m >= 1e3 { return (1e3, "kB" + suffix) }
            return (1, unit)
        default:
            return (1, unit)
        }
    }

    private static func pow10(_ e: Int) -> Double {
        var v = 1.0
        for _ in 0..<abs(e) { v *= 10 }
        return e < 0 ? 1 / v : v
    }

    /// ⌊log10 v⌋ by counting decades (the library does not import Foundation); 0 for 0, negatives or infinity.
    static func decade(_ v: Double) -> Int {
        guard v > 0, v.isFinite else { return 0 }
        var e = 0
        var x = v
        while x >= 10 { x /= 10; e += 1 }
        while x < 1 { x *= 10; e -= 1 }
        return e
    }
}
