/// Where a connection's time went, as text (docs/timing.md): the diagnosis, each direction's labels, the
/// handshake and the close phases. Shown by `analyze --connection`/`--verbose`/`--long`, the ladder's footer
/// and the report.
public enum TimingText {
    /// The block, each line starting with `indent`.
    public static func block(_ c: Connection, timeWait: Double? = nil, indent: String = "  ") -> String {
        let t = c.timing
        var out = indent + "diagnosis: " + t.diagnosis.text + "\n"
        let point: String =
            switch t.capturePoint {
            case .nearClient: "near the client"
            case .nearServer: "near the server"
            case .between: "between the endpoints"
            case .unknown: "at an unknown place (no complete handshake)"
            }
        out += indent + "time \(duration(t.duration)), captured \(point); each direction's time:\n"
        let names = ["rto-stall", "recovery", "rwnd-lim", "busy", "app-lim", "idle"]
        var rows: [[String]] = [[indent + "  "] + names + ["think"]]
        for role in [Role.client, .server] {
            let d = t[role]
            let values = [d.rtoStall, d.lossRecovery, d.rwndLimited, d.busy, d.appLimited, d.idle]
            rows.append(
                [indent + "  " + (role == .client ? "client →" : "server →")]
                    + values.map { seconds($0, of: t.duration) }
                    + [d.exchanges > 0 ? "\(duration(d.thinkTime)) over \(d.exchanges)" : "-"])
        }
        out += TextReport.table(rows)
        var phases: [String] = []
        if let h = t.handshake {
            var text = "handshake \(duration(h))"
            if let w = t.synRetransmitWait { text += " (SYN resent, waited \(duration(w)))" }
            if let w = t.synackRetransmitWait { text += " (SYN-ACK resent, waited \(duration(w)))" }
            phases.append(text)
        }
        for role in [Role.client, .server] where t[role].rtoStalls > 0 {
            let d = t[role]
            phases.append("\(role.rawValue) timeouts \(d.rtoStalls), longest \(duration(d.longestStall))")
        }
        if let h = t.halfClosed { phases.append("half-closed \(duration(h))") }
        if let w = t.closeWait, let r = t.closeWaitRole { phases.append("CLOSE_WAIT (\(r.rawValue)) \(duration(w))") }
        if let w = timeWait { phases.append("TIME_WAIT \(duration(w))") }
        if !phases.isEmpty { out += indent + phases.joined(separator: "; ") + "\n" }
        return out
    }

    /// A label's seconds and share: `2.96s 99%`; `-` for none.
    static func seconds(_ value: Double, of total: Double) -> String {
        guard value > 0 else { return "-" }
        let share = total > 0 ? Int((100 * value / total).rounded()) : 0
        return duration(value) + " \(share)%"
    }

    static func duration(_ value: Double) -> String {
        var bytes: [UInt8] = []
        Format.writeDuration(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The longest connections a run showed, with their diagnosis (`summary.slowest`): kept while connections
/// pass, without computing a diagnosis for those that cannot enter.
public struct SlowestConnections: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: Int
        public var duration: Double
        public var diagnosis: Diagnosis
    }

    public static let capacity = 5
    public private(set) var entries: [Entry] = []

    public init() {}

    mutating func consider(_ c: Connection) {
        let d = c.start.interval(to: c.end)
        if entries.count == Self.capacity, let last = entries.last, !(d > last.duration) { return }
        let entry = Entry(id: c.id, duration: d, diagnosis: c.timing.diagnosis)
        let at = entries.firstIndex { $0.duration < d } ?? entries.count
        entries.insert(entry, at: at)
        if entries.count > Self.capacity { entries.removeLast() }
    }
}
