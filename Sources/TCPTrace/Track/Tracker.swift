/// Settings of the connection tracker.
public struct TrackerOptions: Sendable {
    /// Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL (RFC 9293 3.4.2). Linux uses 60 s in all.
    public var msl: Double = 30
    /// Keep every segment of every connection for timelines and ladders (costs memory per segment).
    public var recordTimeline = false
    /// Most half-open attempts (SYN seen, handshake not completed, nothing else) held at once; beyond it the
    /// oldest is dropped and counted (a SYN flood cannot exhaust memory).
    public var maxHalfOpen = 100_000
    /// Most connections held at once (about 1.3 kB each without a timeline); beyond it the oldest half-open
    /// attempt, or else the oldest connection, is dropped and counted.
    public var maxConnections = 500_000

    public init(msl: Double = 30, recordTimeline: Bool = false, maxHalfOpen: Int = 100_000,
                maxConnections: Int = 500_000) {
        self.msl = msl
        self.recordTimeline = recordTimeline
        self.maxHalfOpen = max(1, maxHalfOpen)
        self.maxConnections = max(1, maxConnections)
    }
}

/// Owns the connections of a trace: finds each segment's connection by 4-tuple and incarnation, starts a new
/// incarnation on a SYN with a new ISN after the previous one finished, detects TIME_WAIT reuse, and keeps
/// memory bounded by dropping the oldest half-open attempts first.
///
/// Connections live in a slab: a slot freed by a finalized connection is taken by the next new one, so the
/// storage stays as large as the most connections held at once (no holes, no compaction).
public struct Tracker {
    public let options: TrackerOptions
    /// Current incarnation of each 4-tuple: its slot in `slots`.
    private var current: [FlowKey: Int] = [:]
    /// The slab; nil where a slot is free.
    private var slots: [Connection?] = []
    /// `slotIDs[i]` is the id of the connection in `slots[i]`, 0 when free (read without touching the slab).
    private var slotIDs: [Int] = []
    private var freeSlots: [Int] = []
    private var nextID = 1
    /// Slot of the connection the last segment went to (`connection(id:)` looks there first).
    private var lastSlot = 0
    /// Connections opened by a SYN (id and slot), oldest first, from `halfOpenHead` on.
    private var halfOpenQueue: [(id: Int, slot: Int)] = []
    /// Connections that are still only an attempt (exact; the queue above may hold ids that moved on).
    private var halfOpenCount = 0
    private var halfOpenHead = 0
    /// Every connection (id and slot) in creation order from `creationHead` on, for dropping the oldest at
    /// the cap; entries of connections already gone are skipped, and pruned when they pile up.
    private var creationQueue: [(id: Int, slot: Int)] = []
    private var creationHead = 0
    /// Closed connections already finalized but still inside their 2·MSL window, kept compactly so that a
    /// reuse of the 4-tuple is still recognised.
    private var timeWaitRecords = TimeWaitTable()
    /// Ids dropped to stay within the caps since the last `drainDropped()`.
    private var droppedIDs: [Int] = []
    /// Connections dropped to stay within the caps.
    public private(set) var evictedHalfOpen = 0
    public private(set) var evictedOther = 0

    public init(options: TrackerOptions = TrackerOptions()) {
        self.options = options
    }

    public private(set) var liveConnections = 0

    /// Compact TIME_WAIT records held for finalized connections.
    public var timeWaitRecordCount: Int { timeWaitRecords.count }

    /// Seconds a closed connection is kept whole before it is finalized (capped at 2·MSL).
    public static let closedLinger = 1.0

    /// Tracks one segment. Returns the id of the connection it belongs to.
    @discardableResult
    public mutating func ingest(_ segment: Segment, frame: Int, time: Timestamp) -> Int {
        let key = FlowKey(segment)
        // The connection is read and changed in place: copying it would retain and release its arrays on
        // every packet.
        // `current` only ever points at live connections (`drop` removes its entry).
        guard let index = current[key] else {
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: nil)
        }
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst),
           slots[index]?.isNewIncarnation(segment) == true {
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: index)
        }
        lastSlot = index
        // A mutating call through `?.` changes the element in place; reading a property through `?.` would
        // copy the whole connection (and retain its arrays) first.
        if slots[index]?.applyAndSettle(segment, frame: frame, time: time) == true {
            halfOpenCount -= 1
        }
        return slotIDs[index]
    }

    /// Ids of connections dropped to bound memory since the last call.
    public mutating func drainDropped() -> [Int] {
        defer { droppedIDs.removeAll(keepingCapacity: true) }
        return droppedIDs
    }

    /// The live connection with this id, if it is still held.
    public func connection(id: Int) -> Connection? {
        if lastSlot < slotIDs.count && slotIDs[lastSlot] == id { return slots[lastSlot] }
        return slotIDs.firstIndex(of: id).flatMap { slots[$0] }
    }

    /// Finalizes and forgets every connection nothing more can change by `now`: finished (both FINs or a RST)
    /// and silent for 2·MSL (so TIME_WAIT reuse is still seen), or silent for `idleTimeout`. Returns them,
    /// finished, oldest first.
    public mutating func expire(now: Timestamp, idleTimeout: Double) -> [Connection] {
        var done: [Connection] = []
        expire(now: now, idleTimeout: idleTimeout) { done.append($0) }
        return done.sorted { $0.id < $1.id }
    }

    /// `expire(now:idleTimeout:)` handing each connection to `body` as it is taken out (in slot order), so
    /// that no batch of whole connections is held at once.
    public mutating func expire(now: Timestamp, idleTimeout: Double, _ body: (Connection) -> Void) {
        // A closed connection stays whole for a short linger (late retransmissions, the TIME_WAIT re-ACK),
        // then only as a compact TIME_WAIT record until 2·MSL has passed.
        let linger = min(2 * options.msl, Tracker.closedLinger)
        for i in slots.indices where slotIDs[i] != 0 {
            guard slots[i]?.isDue(now: now, linger: linger, idleTimeout: idleTimeout) == true,
                  var finished = slots[i].take() else { continue }
            let isCurrent = current[finished.key] == i
            forget(finished, at: i)
            if isCurrent, let start = finished.timeWaitStart, start.interval(to: now) <= 2 * options.msl {
                timeWaitRecords.insert(TimeWaitRecord(finished), for: finished.key)
            }
            finished.finish()
            body(finished)
        }
        timeWaitRecords.expire(now: now, window: 2 * options.msl)
    }

    @discardableResult
    private mutating func startConnection(key: FlowKey, segment: Segment, frame: Int, time: Timestamp,
                                          previous: Int?) -> Int {
        var connection = Connection(id: nextID, key: key, first: segment, frame: frame, time: time,
                                    recordTimeline: options.recordTimeline)
        nextID += 1
        connection.apply(segment, frame: frame, time: time)
        var old: TimeWaitRecord?
        if let previous, let held = slots[previous] {
            old = TimeWaitRecord(held)
        } else if segment.flags.contains(.syn), let record = timeWaitRecords.record(for: key, now: time, window: 2 * options.msl) {
            old = record
        }
        timeWaitRecords.remove(key)
        if let old {
            // Remember the previous incarnation's sequence spaces to recognise its delayed segments.
            let a = connection.sideA.endpoint, b = connection.sideB.endpoint
            connection.previousSpace = (old.space(of: a, key: key), old.space(of: b, key: key))
            connection.previousConnectionID = old.connectionID
        }
        if let old, let twStart = old.timeWaitStart {
            let gap = twStart.interval(to: time)
            if gap <= 2 * options.msl {
                let source = Endpoint(address: segment.source, port: segment.sourcePort)
                let holder = old.holder.map(\.rawValue) ?? "?"
                var verdict = "the old connection's final sequence number is unknown"
                if let oldFinal = old.finalSequence(from: source, key: key) {
                    verdict = oldFinal < segment.sequence
                        ? "new ISN \(segment.sequence) is beyond the old final sequence \(oldFinal): acceptable "
                            + "reuse (RFC 1122 4.2.2.13, RFC 6191)"
                        : "new ISN \(segment.sequence) is not beyond the old final sequence \(oldFinal): old "
                            + "duplicates could be taken as new data"
                }
                connection.report(.timeWaitReuse, frame: frame, time: time, sender: 0,
                                  "SYN \(Format.seconds(gap)) after the \(holder) entered TIME_WAIT in connection "
                                      + "\(old.connectionID) (2·MSL = \(Format.seconds(2 * options.msl))); \(verdict)")
                if let previous {
                    slots[previous]?.reusedAfter = gap
                    slots[previous]?.reusedAt = time
                }
            }
        }
        let id = connection.id
        let opensAttempt = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        connection.countedAsAttempt = opensAttempt
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = connection
            slotIDs[slot] = id
        } else {
            slot = slots.count
            slots.append(connection)
            slotIDs.append(id)
        }
        current[key] = slot
        lastSlot = slot
        liveConnections += 1
        if halfOpenQueue.count - halfOpenHead > 2 * options.maxHalfOpen + 1024 {
            // Forget queue entries that are no longer attempts, so the queue stays proportional to the cap.
            halfOpenQueue = halfOpenQueue[halfOpenHead...].filter { isAttempt($0) }
            halfOpenHead = 0
        }
        creationQueue.append((id, slot))
        if creationQueue.count - creationHead > 2 * liveConnections + 4096 {
            creationQueue = creationQueue[creationHead...].filter { slotIDs[$0.slot] == $0.id }
            creationHead = 0
        }
        if opensAttempt {
            halfOpenQueue.append((id, slot))
            halfOpenCount += 1
            while halfOpenCount > options.maxHalfOpen && dropOldestHalfOpen() {}
        }
        while liveConnections > options.maxConnections {
            if !dropOldestHalfOpen() { dropOldest() }
        }
        return id
    }

    /// Drops the oldest connection that is still only an attempt. Returns false when there is none.
    @discardableResult
    private mutating func dropOldestHalfOpen() -> Bool {
        defer {
            if halfOpenHead > 4096 && halfOpenHead * 2 > halfOpenQueue.count {
                halfOpenQueue.removeFirst(halfOpenHead)
                halfOpenHead = 0
            }
        }
        while halfOpenHead < halfOpenQueue.count {
            let entry = halfOpenQueue[halfOpenHead]
            halfOpenHead += 1
            if isAttempt(entry) {
                drop(entry.slot)
                droppedIDs.append(entry.id)
                evictedHalfOpen += 1
                return true
            }
        }
        return false
    }

    /// The queued connection is still held and still only an attempt.
    private mutating func isAttempt(_ entry: (id: Int, slot: Int)) -> Bool {
        slotIDs[entry.slot] == entry.id && slots[entry.slot]?.isCountedAttempt() == true
    }

    /// Drops the connection with the lowest id (the oldest).
    private mutating func dropOldest() {
        while creationHead < creationQueue.count {
            let entry = creationQueue[creationHead]
            creationHead += 1
            guard slotIDs[entry.slot] == entry.id else { continue }
            droppedIDs.append(entry.id)
            drop(entry.slot)
            evictedOther += 1
            return
        }
    }

    private mutating func drop(_ slot: Int) {
        guard let c = slots[slot].take() else { return }
        forget(c, at: slot)
    }

    /// Bookkeeping for the connection just taken out of `slots[slot]`: the slot becomes free.
    private mutating func forget(_ c: Connection, at slot: Int) {
        if c.countedAsAttempt { halfOpenCount -= 1 }
        if current[c.key] == slot { current[c.key] = nil }
        slotIDs[slot] = 0
        freeSlots.append(slot)
        liveConnections -= 1
    }

    /// Ends the trace: every connection gets its end-of-capture findings. Returns them by first frame.
    public mutating func finish() -> [Connection] {
        var result: [Connection] = []
        result.reserveCapacity(liveConnections)
        for i in slots.indices {
            guard var c = slots[i].take() else { continue }
            c.finish()
            result.append(c)
        }
        result.sort { $0.id < $1.id }
        slots = []
        slotIDs = []
        freeSlots = []
        creationQueue = []
        creationHead = 0
        current = [:]
        liveConnections = 0
        return result
    }
}
