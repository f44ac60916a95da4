import ArgumentParser

/// `--port-range LOW-HIGH`.
struct PortRange: ExpressibleByArgument {
    var range: ClosedRange<Int>
    init(_ range: ClosedRange<Int>) { self.range = range }
    init?(argument: String) {
        let parts = argument.split(separator: "-")
        guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), 1 <= low, low <= high, high <= 65535
        else { return nil }
        range = low...high
    }
    var defaultValueDescription: String { "\(range.lowerBound)-\(range.upperBound)" }
}
