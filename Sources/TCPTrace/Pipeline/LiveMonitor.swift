/// Runs decode → track on packets as they arrive and turns what changes into events, keeping memory bounded:
/// connections leave memory once nothing more can change them (docs/live.md, "Memory").
public struct LiveMonitor: ~Copyable {
    public let options: LiveOptions
    public private(set) var tracker: Tracker
    public private(set) var summary = CaptureSummary()
    /// Totals over every connection, including those already dropped from memory.
    public private(set) var connectionsSeen = 0
    public private(set) var findingCounts: [FindingCode: Int] = [:]
    public private(set) var finished: [Connection] = []
    /// Most finished connections kept for the final table; the totals count them all.
    public static let finishedKept = 1000

    private var reported: [Int: (opened: Bool, findings: Int, closed: Bool)] = [:]
    private var lastExpiry: Timestamp?
    private var frame = 0
    private var segment = Segment.empty
    private var duplicates = CaptureDuplicates()

    /// `interfaces`: how many the source describes before its first packet (1 for a live interface; a pcapng
    /// file fed packet by packet may have several: `CaptureDuplicates`).
    public init(options: LiveOptions, linkType: LinkType, interface: String, interfaces: Int = 1) {
        self.options = options
        self.tracker = Tracker(options: options.tracker)
        self.summary.files = [InputFileSummary(path: interface, linkType: linkType, snapLength: 0)]
        self.segment.tunnelPorts = options.tunnelPorts
        self.duplicates = CaptureDuplicates(interfaces: interfaces)
    }

    /// One captured packet; `emit` receives the events it causes, in order.
    public mutating func packet(_ record: PacketRecord, bytes: UnsafeRawBufferPointer, emit: (LiveEvent) -> Void) {
        frame += 1
        summary.packets += 1
        summary.files[0].packets += 1
        if summary.firstTime == nil {
            summary.firstTime = record.timestamp
            summary.files[0].firstFrame = frame
            summary.files[0].firstTime = record.timestamp
        }
        summary.lastTime = record.timestamp
        summary.files[0].lastFrame = frame
        summary.files[0].lastTime = record.timestamp
        let status = PacketDecoder.decode(
            bytes, linkType: record.linkType ?? summary.files[0].linkType, into: &segment)
        if summary.count(status, segment: segment, frame: frame) {
            TraceReader.locateIfNeeded(&segment, bytes, record, tracker.tunnels, &duplicates, &summary)
            let id = tracker.ingest(segment, frame: frame, time: record.timestamp)
            if id > 0 {  // (0: a late segment of a connection already finalized)
                if reported[id] == nil { connectionsSeen += 1; reported[id] = (false, 0, false) }
                if let c = tracker.connection(id: id) { report(c, at: record.timestamp, final: false, emit: emit) }
            }
            // Connections the tracker finalized on this packet (its sweeps, or this segment's 4-tuple).
            if tracker.hasFinalized {
                var done: [Connection] = []
                tracker.drainFinalized { done.append($0) }
                for c in done { report(c, at: record.timestamp, final: true, emit: emit) }
            }
        }
    }

    /// While the interface is quiet: moves capture time to `now` (at most once a second) and finalizes the
    /// connections due by then, as a packet at `now` would.
    public mutating func tick(now: Timestamp, emit: (LiveEvent) -> Void) {
        if let last = lastExpiry, last.interval(to: now) < 1 { return }
        lastExpiry = now
        for c in tracker.expire(now: now) {
            report(c, at: now, final: true, emit: emit)
        }
    }

    /// Ids of the connections the tracker dropped from memory at its caps (`--max-connections`) since the last
    /// call. They end without a `closed` event: an observer that counts open connections forgets them here.
    public mutating func drainDropped() -> [Int] {
        let ids = tracker.drainDropped()
        for id in ids { reported[id] = nil }
        return ids
    }

    /// Ends the session: every connection still held is finalized where it is.
    public mutating func finish(at now: Timestamp, emit: (LiveEvent) -> Void) -> Analysis {
        for c in tracker.finish() { report(c, at: now, final: true, emit: emit) }
        var input = summary
        if tracker.evictedHalfOpen > 0 {
            input.warnings.append("\(tracker.evictedHalfOpen) half-open connection attempt(s) dropped")
        }
        if tracker.evictedOther > 0 {
            input.warnings.append("\(tracker.evictedOther) connection(s) dropped at the --max-connections cap")
        }
        if let note = tracker.lateSegmentsNote {
            input.notes.append(note)
        }
        return Analysis(
            input: input, connections: finished, options: AnalysisOptions(tracker: options.tracker),
            evictedHalfOpen: tracker.evictedHalfOpen, evictedOther: tracker.evictedOther)
    }

    private mutating func report(_ c: Connection, at now: Timestamp, final: Bool, emit: (LiveEvent) -> Void) {
        var state = reported[c.id] ?? (false, 0, false)
        if !state.opened && (final || c.handshakeResolved) {
            state.opened = true
            emit(LiveEvent(kind: .opened, time: now, connection: c, finding: nil))
        }
        if c.findings.count > state.findings {
            for f in c.findings[state.findings...] {
                findingCounts[f.code, default: 0] += 1
                emit(LiveEvent(kind: .finding, time: f.time, connection: c, finding: f))
            }
            state.findings = c.findings.count
        }
        if !state.closed && (final || c.isClosedNow) {
            state.closed = true
            emit(LiveEvent(kind: .closed, time: final ? now : c.end, connection: c, finding: nil))
        }
        if final {
            reported[c.id] = nil
            finished.append(c)
            if finished.count > LiveMonitor.finishedKept {
                finished.removeFirst(finished.count - LiveMonitor.finishedKept)
            }
        } else {
            reported[c.id] = state
        }
    }
}
