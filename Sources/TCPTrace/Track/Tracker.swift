/// Owns the connections of a trace: finds each segment's connection by 4-tuple and incarnation, starts a new
/// incarnation on a SYN with a new ISN after the previous one finished, detects TIME_WAIT reuse, and keeps
/// memory bounded by dropping the oldest half-open attempts first.
///
/// Connections live in cells (`Storage/ConnectionCells`), one per slot: a slot freed by a finalized connection
/// is taken by the next new one, so memory stays as large as the most connections held at once (no holes, no
/// compaction, no copying to grow). The tracker owns its cells, so it cannot be copied.
public struct Tracker: ~Copyable {
    public let options: TrackerOptions
    /// Current incarnation of each 4-tuple: its slot.
    private var current: [FlowKey: Int] = [:]
    /// The cell of each slot; connections are read and changed through it, in place.
    private var cells = ConnectionCells()
    /// `slotIDs[i]` is the id of the connection in slot `i`, 0 when the slot is free.
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
    private var timeWaitRecords = TimeWaitRecords()
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

    /// Most seconds a closed connection is kept whole before it is finalized (capped at 2·MSL); a connection
    /// whose handshake round trip is known lingers 0.3 s plus four round trips if that is less
    /// (`Connection.linger(atMost:)`).
    public static let closedLinger = 1.0

    /// A segment for a 4-tuple whose connection was already finalized, still inside its 2·MSL window, inside
    /// the old sequence space of its sender (a FIN or an ACK resent after the linger): it belongs to the old
    /// connection, which has been written out, not to a new mid-stream one.
    private func isLateSegment(_ segment: Segment, key: FlowKey, time: Timestamp) -> Bool {
        guard let record = timeWaitRecords.record(for: key, now: time, window: 2 * options.msl),
            let space = record.space(of: Endpoint(address: segment.source, port: segment.sourcePort), key: key)
        else { return false }
        return !(segment.sequence < space.start) && !(space.end < segment.sequence)
    }

    /// Segments that came after their connection was finalized (see `isLateSegment`): counted, not analysed.
    public private(set) var lateSegments = 0

    /// The summary's note on `lateSegments`.
    public static func lateSegmentsNote(_ count: Int) -> String {
        "\(count) segment(s) came after their connection had been finalized (its linger over, inside 2·MSL): "
            + "counted, not analysed"
    }

    /// Tracks one segment. Returns the id of the connection it belongs to, or 0 for a late segment of a
    /// connection already finalized (counted in `lateSegments`).
    @discardableResult
    public mutating func ingest(_ segment: Segment, frame: Int, time: Timestamp) -> Int {
        let key = FlowKey(segment)
        // The connection is read and changed in place, through its cell: copying it would retain and release
        // its arrays on every packet. `current` only ever points at live connections (`drop` removes its entry).
        guard let index = current[key] else {
            if !segment.flags.contains(.syn), isLateSegment(segment, key: key, time: time) {
                lateSegments += 1
                return 0
            }
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: nil)
        }
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst),
            cells[index].pointee.isNewIncarnation(segment)
        {
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: index)
        }
        lastSlot = index
        if cells[index].pointee.applyAndSettle(segment, frame: frame, time: time) {
            halfOpenCount -= 1
        }
        return slotIDs[index]
    }

    /// Ids of connections dropped to bound memory since the last call.
    public mutating func drainDropped() -> [Int] {
        guard !droppedIDs.isEmpty else { return [] }  // (the sweep calls this ten times a second)
        defer { droppedIDs.removeAll(keepingCapacity: true) }
        return droppedIDs
    }

    /// The live connection with this id, if it is still held.
    public func connection(id: Int) -> Connection? {
        guard id > 0 else { return nil }  // (0 marks a free slot)
        let slot = lastSlot < slotIDs.count && slotIDs[lastSlot] == id ? lastSlot : slotIDs.firstIndex(of: id)
        return slot.map { cells[$0].pointee }
    }

    /// Finalizes and forgets every connection nothing more can change by `now`: finished (both FINs or a RST)
    /// and silent for 2·MSL (so TIME_WAIT reuse is still seen), or silent for `idleTimeout`. Returns them,
    /// finished, oldest first.
    public mutating func expire(now: Timestamp, idleTimeout: Double) -> [Connection] {
        var done: [Connection] = []
        expire(now: now, idleTimeout: idleTimeout) { done.append($0) }
        return done
    }

    /// `expire(now:idleTimeout:)` handing each connection to `body` as it is taken out (oldest first), so
    /// that no batch of whole connections is held at once.
    public mutating func expire(now: Timestamp, idleTimeout: Double, _ body: (Connection) -> Void) {
        // A closed connection stays whole for a short linger (late retransmissions, the TIME_WAIT re-ACK),
        // then only as a compact TIME_WAIT record until 2·MSL has passed.
        let linger = min(2 * options.msl, Tracker.closedLinger)
        // In creation order, so that connections finalized by one sweep leave by first frame.
        for (id, i) in creationQueue[creationHead...] where slotIDs[i] == id {
            guard cells[i].pointee.isDue(now: now, maximumLinger: linger, idleTimeout: idleTimeout) else { continue }
            var finished = cells.take(i)
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
    private mutating func startConnection(
        key: FlowKey, segment: Segment, frame: Int, time: Timestamp,
        previous: Int?
    ) -> Int {
        var connection = Connection(
            id: nextID, key: key, first: segment, frame: frame, time: time,
            recordTimeline: options.recordTimeline)
        nextID += 1
        connection.apply(segment, frame: frame, time: time)
        var old: TimeWaitRecord?
        if let previous {
            old = TimeWaitRecord(cells[previous].pointee)
        } else if segment.flags.contains(.syn),
            let record = timeWaitRecords.record(for: key, now: time, window: 2 * options.msl)
        {
            old = record
        }
        timeWaitRecords.remove(key)
        if let old, let gap = connection.follow(old, opening: segment, frame: frame, time: time, msl: options.msl),
            let previous
        {
            cells[previous].pointee.reusedAfter = gap
            cells[previous].pointee.reusedAt = time
        }
        let id = connection.id
        let opensAttempt = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        connection.countedAsAttempt = opensAttempt
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slotIDs[slot] = id
        } else {
            slot = cells.grow()
            slotIDs.append(id)
        }
        cells.put(consume connection, at: slot)
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
    private func isAttempt(_ entry: (id: Int, slot: Int)) -> Bool {
        slotIDs[entry.slot] == entry.id && cells[entry.slot].pointee.countedAsAttempt
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
        guard slotIDs[slot] != 0 else { return }
        forget(cells.take(slot), at: slot)
    }

    /// Bookkeeping for the connection just taken out of slot `slot`: the slot becomes free.
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
        finish { result.append($0) }
        return result
    }

    /// `finish()` handing each connection to `body` by first frame, without holding them all at once.
    public mutating func finish(_ body: (Connection) -> Void) {
        for (id, slot) in creationQueue[creationHead...] where slotIDs[slot] == id {
            var c = cells.take(slot)
            slotIDs[slot] = 0
            c.finish()
            body(c)
        }
        cells = ConnectionCells()
        slotIDs = []
        freeSlots = []
        creationQueue = []
        creationHead = 0
        halfOpenQueue = []
        halfOpenHead = 0
        halfOpenCount = 0
        current = [:]
        liveConnections = 0
    }
}
