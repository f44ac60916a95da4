/// The finished analysis of a trace: what was read and every connection, by first frame.
public struct Analysis: Sendable {
    public var input: CaptureSummary
    public var connections: [Connection]
    public var options: AnalysisOptions
    /// Connections dropped to keep memory bounded (TrackerOptions.maxHalfOpen / maxConnections).
    public var evictedHalfOpen = 0
    public var evictedOther = 0
    /// Connection and finding counts over every connection (also those already streamed out).
    public var totals = FindingTotals()
    /// The host view, when asked for (`analyze --hosts`).
    public var hosts: HostView?
    /// Each connection's place among the trace's connections to its server endpoint, by id
    /// (`ConnectionSelector.nth`), counted over the whole trace before any selection (batch analysis only).
    public var serverOrdinals: [Int: Int] = [:]

    /// Builds the host view from these connections (batch analysis) and attaches it.
    public mutating func attachHosts(_ options: HostOptions) { attachHosts(options, over: connections) }

    /// Builds the host view from `all` (every connection of the trace, also those a selection leaves out).
    mutating func attachHosts(_ options: HostOptions, over all: [Connection]) {
        var accumulator = HostAccumulator(options: options)
        for c in all { accumulator.add(c) }
        attach(accumulator.finish(captureEnd: input.lastTime ?? Timestamp(nanoseconds: 0)))
    }

    /// Adds the host view and counts its findings in the totals.
    public mutating func attach(_ view: HostView) {
        hosts = view
        for f in view.findings { totals.add(f, shown: f.severity >= options.selection.minSeverity) }
    }

    public init(
        input: CaptureSummary, connections: [Connection], options: AnalysisOptions, evictedHalfOpen: Int = 0,
        evictedOther: Int = 0
    ) {
        self.input = input
        self.connections = connections
        self.options = options
        self.evictedHalfOpen = evictedHalfOpen
        self.evictedOther = evictedOther
        self.totals = FindingTotals(connections)
        self.serverOrdinals = ConnectionSelector.serverOrdinals(connections)
    }

    init(input: CaptureSummary, tracker: inout Tracker, options: AnalysisOptions) {
        self.input = input
        let all = tracker.finish()
        self.serverOrdinals = ConnectionSelector.serverOrdinals(all)
        self.options = options
        self.evictedHalfOpen = tracker.evictedHalfOpen
        self.evictedOther = tracker.evictedOther
        let selection = options.selection
        if selection.isActive {
            var totals = FindingTotals()
            self.connections = all.compactMap { totals.add($0, selection: selection) }
            self.totals = totals
        } else {
            self.connections = all
            self.totals = FindingTotals(all)
        }
        if let note = tracker.lateSegmentsNote { self.input.notes.append(note) }
        addBackwardSampleNote()
        addEvictionWarnings()
        if let hosts = options.hosts { attachHosts(hosts, over: all) }
    }
}

extension Analysis {
    /// The note on samples dropped for a backward timestamp step (after the totals are in).
    mutating func addBackwardSampleNote() {
        guard totals.backwardSamples > 0 else { return }
        input.notes.append(
            "\(totals.backwardSamples) RTT or idle sample(s) spanned a step back in time (timestamps going "
                + "backwards): dropped, so no negative RTT, idle time or rate is reported")
    }

    mutating func addEvictionWarnings() {
        if evictedHalfOpen > 0 {
            input.warnings.append(
                "\(evictedHalfOpen) half-open connection attempt(s) dropped: more than "
                    + "\(options.tracker.maxHalfOpen) were open at once (SYN flood?)")
        }
        if evictedOther > 0 {
            input.warnings.append(
                "\(evictedOther) connection(s) dropped: more than "
                    + "\(options.tracker.maxConnections) were held at once")
        }
    }
}
