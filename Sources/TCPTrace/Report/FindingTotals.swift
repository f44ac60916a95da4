/// Findings counted per code (in code order) and per severity, over connections added one by one.
public struct FindingTotals: Sendable {
    private var counts: [FindingCode: Int] = [:]
    public private(set) var connections = 0
    /// RTT and idle samples dropped over every connection for a backward timestamp step.
    public private(set) var backwardSamples = 0
    /// Connections a selection left out (`ConnectionSelection`): not counted above.
    public private(set) var unselected = 0
    /// The highest severity among every finding of the connections counted, including those hidden by
    /// `--min-severity`: what `--fail-on` judges.
    public private(set) var highestSeverity: Severity?
    /// The longest connections shown, with their diagnosis (docs/timing.md).
    public private(set) var slowest = SlowestConnections()

    public init() {}

    public init(_ connections: [Connection]) {
        for c in connections { add(c) }
    }

    public mutating func add(_ c: Connection) {
        judge(c)
        add(shown: c)
    }

    /// Counts `c` as having come before every connection counted so far (`SlowestConnections.consider(_:
    /// backwards:)`; everything else here is the same in any order): a part of a batch rendered from its end.
    mutating func add(earlier c: Connection) {
        judge(c)
        add(shown: c, backwards: true)
    }

    /// Counts `c` as shown (its findings already narrowed to those shown); `judge` saw it whole before.
    mutating func add(shown c: Connection, backwards: Bool = false) {
        connections += 1
        backwardSamples += c.backwardSamples
        slowest.consider(c, backwards: backwards)
        c.forEachFindingCount { code, count in counts[code, default: 0] += count }
    }

    /// Takes in `later`'s counts, of connections that came after every one counted here: the same totals as
    /// adding those connections here one by one (`RenderedBatch` counts each half of a batch on its own
    /// thread).
    mutating func append(_ later: FindingTotals) {
        for (code, count) in later.counts { counts[code, default: 0] += count }
        connections += later.connections
        backwardSamples += later.backwardSamples
        unselected += later.unselected
        if let severity = later.highestSeverity { highestSeverity = max(highestSeverity ?? severity, severity) }
        slowest.append(later.slowest)
    }

    /// Back to nothing counted, keeping the storage (`RenderedBatch` counts each batch afresh: without an
    /// allocation per batch).
    mutating func removeAll() {
        counts.removeAll(keepingCapacity: true)
        connections = 0
        backwardSamples = 0
        unselected = 0
        highestSeverity = nil
        slowest.removeAll()
    }

    public mutating func add(_ f: HostFinding, shown: Bool = true) {
        if shown { counts[f.code, default: 0] += 1 }
        highestSeverity = max(highestSeverity ?? f.severity, f.severity)
    }

    /// Takes every finding of `c` into `highestSeverity`.
    mutating func judge(_ c: Connection) {
        for f in c.findings { highestSeverity = max(highestSeverity ?? f.severity, f.severity) }
    }

    /// Counts `c` as a selection shows it, left out or with the findings it shows, and returns it as shown
    /// (nil: left out). The one place a finished connection meets the selection (`StreamingRun`, `Analysis`).
    mutating func add(_ c: Connection, selection: ConnectionSelection) -> Connection? {
        guard selection.selects(c) else {
            unselected += 1
            return nil
        }
        judge(c)
        let shown = selection.shown(c)
        add(shown: shown)
        return shown
    }

    public var byCode: [(code: FindingCode, count: Int)] {
        FindingCode.allCases.compactMap { code in counts[code].map { (code, $0) } }
    }

    public func count(of severity: Severity) -> Int {
        byCode.filter { $0.code.severity == severity }.reduce(0) { $0 + $1.count }
    }
}
