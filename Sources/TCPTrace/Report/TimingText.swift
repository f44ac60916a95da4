/// Where a connection's time went, as text (docs/timing.md): the diagnosis, each direction's labels, the
/// handshake and the close phases. Shown by `analyze --connection`/`--verbose`/`--long`, the ladder's footer
/// and the report.
public enum TimingText {
    /// The block, each line starting with `indent` and at most `width` characters (words wrap), e.g.
    ///
    ///     diagnosis: receiver window limited 99 % of the client's transfer time (2.96s): the reader did not
    ///         keep up
    ///     time 3.00s, captured between the endpoints
    ///     client → rwnd-limited 2.96s 99%, loss recovery 36.0ms 1%, busy 6.19ms, app-limited 236us
    ///     server → app-limited 1.62s 54%, idle 1.38s 46%, busy 51us
    ///     handshake 42us; half-closed 83us; CLOSE_WAIT (server) 83us; TIME_WAIT client from +3.00s
    public static func block(_ c: Connection, indent: String = "  ", width: Int = 78) -> String {
        let t = c.timing
        var lines = ["diagnosis: " + t.diagnosis.text]
        let point: String =
            switch t.capturePoint {
            case .nearClient: "near the client"
            case .nearServer: "near the server"
            case .between: "between the endpoints"
            case .unknown: "at an unknown place (no SYN, SYN-ACK and ACK of one handshake to tell)"
            }
        lines.append("time \(duration(t.duration)), captured \(point)")
        for role in [Role.client, .server] {
            let d = t[role]
            let labels: [(String, Double)] = [
                ("RTO stall", d.rtoStall), ("loss recovery", d.lossRecovery), ("rwnd-limited", d.rwndLimited),
                ("busy", d.busy), ("app-limited", d.appLimited), ("idle", d.idle),
            ]
            // Largest first; a share under 1 % is left out of the text.
            var parts = labels.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { name, value in
                let share = t.duration > 0 ? Int((100 * value / t.duration).rounded()) : 0
                return "\(name) \(duration(value))" + (share >= 1 ? " \(share)%" : "")
            }
            if d.rtoStalls > 0 { parts.append("\(d.rtoStalls) timeout(s), longest \(duration(d.longestStall))") }
            if d.exchanges > 0 { parts.append("think \(duration(d.thinkTime)) over \(d.exchanges) turn(s)") }
            lines.append("\(role.rawValue) → " + (parts.isEmpty ? "-" : parts.joined(separator: ", ")))
        }
        var phases: [String] = []
        if let h = t.handshake {
            var text = "handshake \(duration(h))"
            if let w = t.synRetransmitWait { text += " (SYN resent, waited \(duration(w)))" }
            if let w = t.synackRetransmitWait { text += " (SYN-ACK resent, waited \(duration(w)))" }
            phases.append(text)
        }
        if let h = t.halfClosed { phases.append("half-closed \(duration(h))") }
        if let w = t.closeWait, let r = t.closeWaitRole { phases.append("CLOSE_WAIT (\(r.rawValue)) \(duration(w))") }
        if let tw = c.timeWaitStart, let side = c.timeWaitSide {
            phases.append("TIME_WAIT \(side.rawValue) from +\(duration(c.start.interval(to: tw)))")
        }
        if !phases.isEmpty { lines.append(phases.joined(separator: "; ")) }
        let body = lines.map { indent + $0 }.joined(separator: "\n")
        return Format.wrapped(body, width: width) + "\n"
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

    /// Considers `c`, which came after every connection considered so far; or, `backwards`, before every one
    /// (a part of a batch rendered from its end: `RenderingAhead`). Either way the entries are the longest,
    /// ties in the order the connections came.
    mutating func consider(_ c: Connection, backwards: Bool = false) {
        let d = c.start.interval(to: c.end)
        guard admits(d, earlier: backwards) else { return }
        // (The diagnosis only for those kept.)
        insert(Entry(id: c.id, duration: d, diagnosis: c.timing.diagnosis), earlier: backwards)
    }

    /// Considers the entries of `later`, kept from connections that came after every one considered here: the
    /// same entries as considering those connections here one by one. (An entry `later` left out had
    /// `capacity` at least as long before it there, which would keep it out here too; ties keep the earlier.)
    mutating func append(_ later: SlowestConnections) {
        for entry in later.entries where admits(entry.duration) { insert(entry) }
    }

    /// None kept, the storage kept.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }

    /// Whether a connection of duration `d` gets a place: there is room, or it is longer than the last; or, for
    /// one that came before every one considered (`earlier`), at least as long.
    private func admits(_ d: Double, earlier: Bool = false) -> Bool {
        guard entries.count == Self.capacity, let last = entries.last else { return true }
        return earlier ? d >= last.duration : d > last.duration
    }

    /// After the entries at least as long (an equal one keeps its earlier place); `earlier` (it came before every
    /// one considered), before the entries as long.
    private mutating func insert(_ entry: Entry, earlier: Bool = false) {
        let at =
            entries.firstIndex { earlier ? $0.duration <= entry.duration : $0.duration < entry.duration }
            ?? entries.count
        entries.insert(entry, at: at)
        if entries.count > Self.capacity { entries.removeLast() }
    }
}
