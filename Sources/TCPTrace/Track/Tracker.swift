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
public struct Tracker {
    public let options: TrackerOptions
    /// Current incarnation of each 4-tuple: index into `connections`.
    private var current: [FlowKey: Int] = [:]
    /// Connections in creation order; nil where one was dropped (compacted away when holes pile up).
    private var connections: [Connection?] = []
    /// `ids[i]` is the id of `connections[i]`, kept for dropped entries too: ascending, so searchable.
    private var ids: [Int] = []
    private var holes = 0
    private var nextID = 1
    /// Ids of connections opened by a SYN, oldest first, from `halfOpenHead` on.
    private var halfOpenQueue: [Int] = []
    /// Connections that are still only an attempt (exact; the queue above may hold ids that moved on).
    private var halfOpenCount = 0
    private var halfOpenHead = 0
    /// Closed connections already finalized but still inside their 2·MSL window, kept compactly so that a
    /// reuse of the 4-tuple is still recognised.
    private var timeWaitRecords: [FlowKey: TimeWaitRecord] = [:]
    /// Ids dropped to stay within the caps since the last `drainDropped()`.
    private var droppedIDs: [Int] = []
    /// Connections dropped to stay within the caps.
    public private(set) var evictedHalfOpen = 0
    public private(set) var evictedOther = 0

    public init(options: TrackerOptions = TrackerOptions()) {
        self.options = options
    }

    public var liveConnections: Int { connections.count - holes }

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
        let id = ids[index]
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst),
           connections[index]?.isNewIncarnation(segment) == true {
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: index)
        }
        connections[index]?.apply(segment, frame: frame, time: time)
        if halfOpenCount > 0, connections[index]?.countedAsAttempt == true, connections[index]?.isAttemptOnly == false {
            connections[index]?.countedAsAttempt = false
            halfOpenCount -= 1
        }
        return id
    }

    /// Ids of connections dropped to bound memory since the last call.
    public mutating func drainDropped() -> [Int] {
        defer { droppedIDs.removeAll(keepingCapacity: true) }
        return droppedIDs
    }

    /// The live connection with this id, if it is still held.
    public func connection(id: Int) -> Connection? {
        index(of: id).flatMap { connections[$0] }
    }

    /// Finalizes and forgets every connection nothing more can change by `now`: finished (both FINs or a RST)
    /// and silent for 2·MSL (so TIME_WAIT reuse is still seen), or silent for `idleTimeout`. Returns them,
    /// finished, oldest first.
    public mutating func expire(now: Timestamp, idleTimeout: Double) -> [Connection] {
        var done: [Connection] = []
        // A closed connection stays whole for a short linger (late retransmissions, the TIME_WAIT re-ACK),
        // then only as a compact TIME_WAIT record until 2·MSL has passed.
        let linger = min(2 * options.msl, Tracker.closedLinger)
        for i in connections.indices {
            guard let c = connections[i] else { continue }
            let silent = c.end.interval(to: now)
            if (c.isFinished && silent > linger) || silent > idleTimeout {
                var finished = c
                finished.finish()
                done.append(finished)
                if let start = c.timeWaitStart, start.interval(to: now) <= 2 * options.msl, current[c.key] == i {
                    timeWaitRecords[c.key] = TimeWaitRecord(c)
                }
                drop(i, compacting: false)
            }
        }
        timeWaitRecords = timeWaitRecords.filter { _, record in
            record.timeWaitStart.map { $0.interval(to: now) <= 2 * options.msl } ?? false
        }
        if holes > 256 && holes * 4 > connections.count { compact() }
        return done
    }

    @discardableResult
    private mutating func startConnection(key: FlowKey, segment: Segment, frame: Int, time: Timestamp,
                                          previous: Int?) -> Int {
        var connection = Connection(id: nextID, key: key, first: segment, frame: frame, time: time,
                                    recordTimeline: options.recordTimeline)
        nextID += 1
        connection.apply(segment, frame: frame, time: time)
        var old: TimeWaitRecord?
        if let previous, let held = connections[previous] {
            old = TimeWaitRecord(held)
        } else if segment.flags.contains(.syn), let record = timeWaitRecords[key] {
            old = record
        }
        timeWaitRecords[key] = nil
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
                    connections[previous]?.reusedAfter = gap
                    connections[previous]?.reusedAt = time
                }
            }
        }
        current[key] = connections.count
        ids.append(connection.id)
        connections.append(connection)
        if halfOpenQueue.count - halfOpenHead > 2 * options.maxHalfOpen + 1024 {
            // Forget queue entries that are no longer attempts, so the queue stays proportional to the cap.
            halfOpenQueue = halfOpenQueue[halfOpenHead...].filter { id in
                index(of: id).flatMap { connections[$0]?.countedAsAttempt } == true
            }
            halfOpenHead = 0
        }
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) {
            halfOpenQueue.append(connection.id)
            connections[connections.count - 1]?.countedAsAttempt = true
            halfOpenCount += 1
            while halfOpenCount > options.maxHalfOpen && dropOldestHalfOpen() {}
        }
        let id = connection.id
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
            let id = halfOpenQueue[halfOpenHead]
            halfOpenHead += 1
            if let index = index(of: id), connections[index]?.countedAsAttempt == true {
                drop(index)
                droppedIDs.append(id)
                evictedHalfOpen += 1
                return true
            }
        }
        return false
    }

    private mutating func dropOldest() {
        guard let index = connections.firstIndex(where: { $0 != nil }) else { return }
        droppedIDs.append(ids[index])
        drop(index)
        evictedOther += 1
    }

    private mutating func drop(_ index: Int, compacting: Bool = true) {
        guard let c = connections[index] else { return }
        if c.countedAsAttempt { halfOpenCount -= 1 }
        if current[c.key] == index { current[c.key] = nil }
        connections[index] = nil
        holes += 1
        if compacting && holes > 256 && holes * 4 > connections.count { compact() }
    }

    /// Removes the holes left by dropped connections and renumbers the 4-tuple index.
    private mutating func compact() {
        var keptConnections: [Connection?] = []
        var keptIDs: [Int] = []
        keptConnections.reserveCapacity(connections.count - holes)
        keptIDs.reserveCapacity(connections.count - holes)
        for (i, c) in connections.enumerated() where c != nil {
            keptConnections.append(c)
            keptIDs.append(ids[i])
        }
        let oldIDs = ids
        connections = keptConnections
        ids = keptIDs
        holes = 0
        for (key, oldIndex) in current {
            current[key] = index(of: oldIDs[oldIndex])
        }
    }

    /// Binary search of `ids`.
    private func index(of id: Int) -> Int? {
        var low = 0, high = ids.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if ids[mid] == id { return connections[mid] == nil ? nil : mid }
            if ids[mid] < id { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// Ends the trace: every connection gets its end-of-capture findings. Returns them by first frame.
    public mutating func finish() -> [Connection] {
        var result: [Connection] = []
        result.reserveCapacity(liveConnections)
        for case var c? in connections {
            c.finish()
            result.append(c)
        }
        connections = []
        current = [:]
        return result
    }
}
