/// One incarnation of a TCP 4-tuple: two symmetric endpoints plus what they share.
public struct Connection: Sendable {
    // Stored in the order the per-segment path reads them: what every segment reads or changes first (with
    // the facts, Zeek's history and each endpoint's own per-segment fields at the start of each), then what
    // only the start, the close and the report use. A segment touches about 23 of a connection's 36 cache
    // lines instead of about 28 (a memory trace: docs/performance.md, session 17). `clock`, below, keeps its
    // own per-segment fields first too.
    public var key: FlowKey
    public var end: Timestamp
    public var start: Timestamp
    public var lastFrame: Int
    /// Set on a reused 4-tuple: the previous incarnation (its delayed segments are reported as such).
    var previousConnectionID: Int?
    /// Counted by the tracker among the half-open attempts (see Tracker.maxHalfOpen).
    var countedAsAttempt = false
    /// Runs of data per endpoint (a run: consecutive data segments from one side); the client's runs are its
    /// requests. `lastDataSender` is -1 before any data.
    public var dataRuns: (Int32, Int32) = (0, 0)
    var lastDataSender: Int8 = -1

    /// Roles, the open, the first RST, the close and the timeline: changed by `StateMachine`, read through the
    /// properties in `Connection+Facts.swift`.
    var facts: ConnectionFacts
    /// Zeek's history letters and shadow states (`ZeekHistory`).
    var zeek = ZeekHistory()
    public var sideA: HalfConnection
    public var sideB: HalfConnection

    // Per connection, not per segment.
    public var id: Int
    public var firstFrame: Int
    public var findings: [Finding] = []

    /// Set on a connection whose 4-tuple was reused by a later SYN while in TIME_WAIT: seconds from
    /// TIME_WAIT entry to the new SYN.
    public var reusedAfter: Double?
    @CompactTimestamp public var reusedAt: Timestamp? = nil

    /// The previous incarnation's sequence space per endpoint (ISN to final), set on a reused 4-tuple.
    var previousSpace: (SequenceSpan?, SequenceSpan?) = (nil, nil)

    var truncatedSegments = 0
    /// Segments with a wrong checksum (`--verify-checksums`): counted, not used for state.
    public internal(set) var badChecksums: UInt32 = 0
    @CompactFrame var firstTruncatedFrame: Int? = nil

    public init(id: Int, key: FlowKey, first segment: Segment, frame: Int, time: Timestamp, recordTimeline: Bool) {
        self.id = id
        self.key = key
        self.sideA = HalfConnection(endpoint: Endpoint(address: segment.source, port: segment.sourcePort))
        self.sideB = HalfConnection(endpoint: Endpoint(address: segment.destination, port: segment.destinationPort))
        self.firstFrame = frame
        self.lastFrame = frame
        self.start = time
        self.end = time
        self.facts = ConnectionFacts(recordTimeline: recordTimeline)
        self.clock = ConnectionClock(start: time)
    }

    // Reading the endpoints. `self[i]`, `client` and `server` return a copy of an endpoint, which retains and
    // releases its arrays (transitions, data-phase state): fine once per connection in a report, too slow per
    // segment. Per-segment and per-connection hot code reaches the endpoints where they are stored, through
    // the helpers below and nothing else: `side(_:_:)` for one field, `withSide(_:_:)` and
    // `withClientAndServer(_:)` for borrowed endpoints, `withEndpoints(sender:_:)` to change them.

    /// Endpoint 0 or 1 by index (a copy).
    public subscript(_ index: Int) -> HalfConnection { index == 0 ? sideA : sideB }

    /// A field of endpoint `i`, read in place (a key-path literal through this inlined helper compiles to a
    /// plain load).
    @inline(__always)
    public func side<T>(_ i: Int, _ field: KeyPath<HalfConnection, T>) -> T {
        i == 0 ? sideA[keyPath: field] : sideB[keyPath: field]
    }

    /// Runs `body` on endpoint `index`, borrowed where it is stored.
    @inline(__always)
    public func withSide<R>(_ index: Int, _ body: (borrowing HalfConnection) -> R) -> R {
        index == 0 ? body(sideA) : body(sideB)
    }

    /// Runs `body` on the client and the server, borrowed where they are stored.
    @inline(__always)
    public func withClientAndServer<R>(_ body: (borrowing HalfConnection, borrowing HalfConnection) -> R) -> R {
        clientIndex == 0 ? body(sideA, sideB) : body(sideB, sideA)
    }

    /// Runs `body` on the sender `s` (0 or 1), its peer and the shared facts, `inout` where they are stored.
    @inline(__always)
    mutating func withEndpoints<R>(
        sender s: Int, _ body: (inout HalfConnection, inout HalfConnection, inout ConnectionFacts) -> R
    ) -> R {
        s == 0 ? body(&sideA, &sideB, &facts) : body(&sideB, &sideA, &facts)
    }

    /// Index of the endpoint that sent `segment`.
    @inline(__always)
    public func senderIndex(of segment: Segment) -> Int {
        segment.sourcePort == sideA.endpoint.port && segment.source == sideA.endpoint.address ? 0 : 1
    }

    public var serverIndex: Int { 1 - clientIndex }
    public var client: HalfConnection { self[clientIndex] }
    public var server: HalfConnection { self[serverIndex] }

    public func role(of index: Int) -> Role { index == clientIndex ? .client : .server }

    /// No further segment can change the close: a RST was seen, or both endpoints sent a FIN.
    public var isFinished: Bool {
        resetFrame != nil || facts.pendingReset != nil || (sideA.finSequence != nil && sideB.finSequence != nil)
    }

    /// Seconds after which a SYN with a new ISN is a new attempt even though the sender's earlier SYNs were
    /// never answered (Linux's last SYN retry comes 63 s after the first with the default 6 retries).
    public static let attemptRetryLimit = 64.0

    /// Whether a pure SYN starts the next connection on this 4-tuple (docs/connection-model.md, "A new
    /// attempt or the same connection"): after this one finished, any SYN with another ISN than its sender's
    /// (a SYN with the same ISN is a retransmission); before, a SYN with a new ISN when the handshake was
    /// over (a client that lost its old connection, RFC 9293 3.5 figure 9) or when the sender's retries of
    /// its attempt have evidently ended: the gap since its last SYN exceeds twice the interval between its
    /// last two, or `attemptRetryLimit`. Inside the retry schedule it stays this attempt (`syn-new-isn`). A
    /// SYN on a connection first seen mid-stream starts a new one.
    func isNewIncarnation(_ syn: Segment, at time: Timestamp) -> Bool {
        let s = senderIndex(of: syn)
        let isn = side(s, \.isn)
        if isFinished { return isn != syn.sequence }
        guard let isn else { return roleEvidence == .portHeuristic && packets > 0 }
        guard isn != syn.sequence else { return false }
        guard isAttemptOnly, let last = side(s, \.lastSynTime) else { return true }
        let interval = Double(side(s, \.lastSynInterval))
        let limit = interval > 0 ? min(2 * interval, Connection.attemptRetryLimit) : Connection.attemptRetryLimit
        return last.interval(to: time) > limit
    }

    /// Segments of both endpoints.
    var packets: Int { sideA.packets + sideB.packets }

    /// Nothing beyond an opening attempt: no completed handshake, no data, no FIN or RST.
    public var isAttemptOnly: Bool {
        side(clientIndex, \.ackedPeerSynFrame) == nil && resetFrame == nil
            && sideA.finFrame == nil && sideB.finFrame == nil && sideA.payloadBytes == 0 && sideB.payloadBytes == 0
    }

    /// The interfaces the connection was seen on, in order.
    public var interfaces: [Int] { (0..<16).filter { interfaceMask & (1 << UInt16($0)) != 0 } }

    /// Records the tunnel path of a tunnelled segment the first time its sender uses one.
    mutating func noteTunnel(_ segment: Segment, registry: TunnelRegistry) {
        let s = senderIndex(of: segment)
        if let known = tunnelStore, known.pathIDs[s] != 0 { return }
        var updated = tunnelStore ?? ConnectionTunnels()
        updated.pathIDs[s] = segment.tunnelPath
        var layers = registry.path(segment.tunnelPath).layers
        // The outermost UDP layer's source port travels with the segment (the registry leaves it out).
        if segment.tunnelSourcePort != 0, let udp = layers.firstIndex(where: { $0.kind.isUDP }) {
            layers[udp].sourcePort = segment.tunnelSourcePort
        }
        updated.paths[s] = layers
        tunnelStore = updated
    }

    /// Applies the segment; true when this ends the connection's count as a half-open attempt (the tracker
    /// keeps that count). One mutating call, so the tracker reaches the connection in place.
    mutating func applyAndSettle(_ segment: Segment, frame: Int, time: Timestamp) -> Bool {
        apply(segment, frame: frame, time: time)
        guard countedAsAttempt, !isAttemptOnly else { return false }
        countedAsAttempt = false
        return true
    }

    /// Nothing more can change this connection by `now`: finished and silent past its linger, or silent past
    /// the idle timeout. A connection that carried traffic and was reset lingers `Tracker.resetLinger`; other
    /// finished ones `linger(atMost:)` (both at most 2·MSL).
    func isDue(now: Timestamp, options: TrackerOptions) -> Bool {
        let silent = end.interval(to: now)
        if silent > options.idleTimeout { return true }
        guard isFinished else { return false }
        let longest = min(2 * options.msl, Tracker.closedLinger)
        if (resetFrame != nil || facts.pendingReset != nil) && !isAttemptOnly && !resetAnsweredAttempt {
            return silent > min(2 * options.msl, Tracker.resetLinger)
        }
        if resetFrame == nil && hasUnacknowledgedFin {
            // Its sender keeps resending that FIN with a backed-off timer (Linux: tcp_orphan_retries): the
            // resent FINs stay with the connection for up to 2·MSL of silence.
            return silent > 2 * options.msl
        }
        return silent > linger(atMost: longest)
    }

    /// A side sent a FIN the capture never shows acknowledged.
    private var hasUnacknowledgedFin: Bool {
        (sideA.finFrame != nil && sideA.finAckedFrame == nil) || (sideB.finFrame != nil && sideB.finAckedFrame == nil)
    }

    /// The RST answered an opening attempt (refused, or a stale SYN-ACK), with nothing else exchanged.
    private var resetAnsweredAttempt: Bool {
        side(clientIndex, \.ackedPeerSynFrame) == nil && sideA.payloadBytes == 0 && sideB.payloadBytes == 0
            && sideA.finFrame == nil && sideB.finFrame == nil
    }

    /// How long a finished connection stays whole for late segments (a FIN or data resent after the ACK was
    /// lost past the capture point, the TIME_WAIT side's re-ACK): 0.3 s plus four handshake round trips,
    /// which covers a retransmission timeout (Linux: 200 ms plus the round-trip variation), at most
    /// `maximum`; `maximum` when the round trip is unknown.
    func linger(atMost maximum: Double) -> Double {
        guard let rtt = handshakeRTT, rtt >= 0 else { return maximum }
        return min(maximum, 0.3 + 4 * rtt)
    }

    /// Most findings of one code kept per connection; the rest are counted (endless retransmissions cannot
    /// grow memory without bound).
    public static let maxFindingsPerCode = 100

    mutating func report(
        _ code: FindingCode, frame: Int, time: Timestamp, sender: Int?, _ detail: FindingDetail, ttl: TTLMismatch? = nil
    ) {
        if findingTally.isEmpty && findings.count < Connection.tallyThreshold {
            // Fewer findings than the cap of any code: each is kept, and counted from `findings` when asked.
            if findings.capacity == 0 {
                // A recycled array (`FindingsPool`), else room for four (not 1, 2, then 4: three allocations).
                if let spare = FindingsPool.take() { findings = spare } else { findings.reserveCapacity(4) }
            }
        } else {
            if findingTally.isEmpty { for f in findings { findingTally[f.code, default: 0] += 1 } }
            let kept = findingTally[code, default: 0]
            findingTally[code] = kept + 1
            guard kept < Connection.maxFindingsPerCode else { return }
        }
        findings.append(Finding(code: code, frame: frame, time: time, senderIndex: sender, text: detail, ttl: ttl))
    }

    /// Findings kept before `findingTally` counts them (fewer than `maxFindingsPerCode`).
    static let tallyThreshold = 32

    /// Findings of each code raised on this connection, including those not kept. Empty while fewer than
    /// `tallyThreshold` findings were raised: they are then counted from `findings` when asked (a dictionary
    /// per connection with a finding was two heap allocations, issue 21; `findingCount(of:)` and
    /// `forEachFindingCount` read the counts without building one).
    var findingTally: [FindingCode: Int] = [:]

    /// Findings of each code raised on this connection, including those not kept (built when read while
    /// `findingTally` is empty).
    public internal(set) var findingCounts: [FindingCode: Int] {
        get {
            guard findingTally.isEmpty else { return findingTally }
            var counts: [FindingCode: Int] = [:]
            for f in findings { counts[f.code, default: 0] += 1 }
            return counts
        }
        set { findingTally = newValue }
    }

    /// How many findings of `code` were raised, including those not kept.
    public func findingCount(of code: FindingCode) -> Int {
        guard findingTally.isEmpty else { return findingTally[code] ?? 0 }
        var n = 0
        for f in findings where f.code == code { n += 1 }
        return n
    }

    /// Calls `body` once per code raised on this connection with its count (in no set order), without
    /// building a dictionary.
    public func forEachFindingCount(_ body: (FindingCode, Int) -> Void) {
        guard findingTally.isEmpty else {
            for (code, n) in findingTally { body(code, n) }
            return
        }
        findings.withUnsafeBufferPointer { all in
            for i in all.indices where !all[..<i].contains(where: { $0.code == all[i].code }) {
                var n = 1
                for j in (i + 1)..<all.count where all[j].code == all[i].code { n += 1 }
                body(all[i].code, n)
            }
        }
    }

    // Issue 20's fields, after the per-segment ones. (Measured on the benchmark's long connections: the tunnel
    // pointer among the fields read per segment, or the interface fields in the padding after
    // `countedAsAttempt`, cost 3-5 % of the run; here, nothing measurable.)

    /// The tunnels the segments came in (nil: none; the identity is in `key.tunnel`).
    @OutOfLine var tunnelStore: ConnectionTunnels? = nil
    public var tunnels: ConnectionTunnels? { tunnelStore }
    /// In a capture with several interfaces, those the segments were seen on, one bit each (interface 15 and
    /// above share the last); 0 in a capture with one.
    public internal(set) var interfaceMask: UInt16 = 0
    /// One of its frames matched the run's `--filter` (`Segment.matchesFilter`).
    public internal(set) var matchesFilter = false
    /// Segments seen again on another interface within 10 ms (`CaptureDuplicates`): counted, not used.
    public internal(set) var captureDuplicates: UInt32 = 0
    /// Issue 23: where each direction's time went (`Connection+Timing.swift`).
    var clock: ConnectionClock
    /// Each direction's timing labels over time, recorded with the timeline (nil otherwise).
    public var timingBand: TimingBand? {
        guard var band = facts.band else { return nil }
        // The open spans, to the last segment (an ACK's travel to the sender first).
        for (s, c) in [(0, clock.a), (1, clock.b)] {
            let tailEnd = c.busyUntil != 0 ? min(max(c.busyUntil, c.labelStart), end.nanoseconds) : c.labelStart
            band.add(s, from: c.labelStart, length: tailEnd &- c.labelStart, c.label)
            band.add(s, from: tailEnd, length: end.nanoseconds &- tailEnd, c.busyUntil != 0 ? c.afterTail : c.label)
        }
        return band
    }
}
