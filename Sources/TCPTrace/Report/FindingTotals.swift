/// Findings counted per code (in code order) and per severity, over connections added one by one.
public struct FindingTotals: Sendable {
    private var counts: [FindingCode: Int] = [:]
    public private(set) var connections = 0
    /// RTT and idle samples dropped over every connection for a backward timestamp step.
    public private(set) var backwardSamples = 0

    public init() {}

    public init(_ connections: [Connection]) {
        for c in connections { add(c) }
    }

    public mutating func add(_ c: Connection) {
        connections += 1
        backwardSamples += c.backwardSamples
        for (code, count) in c.findingCounts { counts[code, default: 0] += count }
    }

    public mutating func add(_ f: HostFinding) { counts[f.code, default: 0] += 1 }

    public var byCode: [(code: FindingCode, count: Int)] {
        FindingCode.allCases.compactMap { code in counts[code].map { (code, $0) } }
    }

    public func count(of severity: Severity) -> Int {
        byCode.filter { $0.code.severity == severity }.reduce(0) { $0 + $1.count }
    }

    public var highestSeverity: Severity? {
        byCode.map(\.code.severity).max()
    }
}
