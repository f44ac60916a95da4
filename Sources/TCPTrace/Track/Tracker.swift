/// Owns the connections of a trace: finds each segment's connection by 4-tuple and incarnation, starts a new
/// incarnation on a SYN with a new ISN after the previous one finished, detects TIME_WAIT reuse, and keeps
/// memory bounded by dropping the oldest half-open attempts first.
///
/// **Connection boundaries are decided at ingest, from packet timestamps alone** (docs/connection-model.md,
/// "One model in every mode"): a segment whose connection is due at the segment's time (finished and past its
/// linger, or idle past the idle timeout) finalizes it first and is then judged as a late segment or the start
/// of a new connection. Sweeps, which the tracker runs itself at points fixed by the packets (`sweepIsDue`),
/// finalize connections due in the same sense at the sweep's clock, so every caller (streaming, batch, live, in
/// memory) gets the same connections; the streaming caller takes finalized connections away as they come
/// (`drainFinalized`) or in batches (`lendFinalized`), the batch caller at the end. The sweep's clock is the
/// earlier of the last two segments' times: one packet stamped far in the future (a damaged or merged capture)
/// does not finalize everything.
///
/// Connections live in cells (`Storage/ConnectionCells`), one per slot: a slot freed by a finalized connection
/// is taken by the next new one, so memory stays as large as the most connections held at once (no holes, no
/// compaction, no copying to grow). The tracker owns its cells, so it cannot be copied.
public struct Tracker: ~Copyable {
    public let options: TrackerOptions
    /// The tunnel stacks the reader interned for this tracker's segments (`Segment.tunnel`, `tunnelPath`).
    public let tunnels = TunnelRegistry()
    /// Current incarnation of each 4-tuple: its slot (`slot(of:)`).
    private var current = FlowTable()
    /// The cell of each slot; connections are read and changed through it, in place.
    private var cells = ConnectionCells()
    /// `slotIDs[i]` is the id of the connection in slot `i`, 0 when the slot is free.
    private var slotIDs: [Int] = []
    private var freeSlots: [Int] = []
    private var nextID = 1
    /// Connections in tunnels with a VNI, by their key with the VNI-less identity (`TunnelRegistry.looseIdentity`),
    /// and the second key a connection was reached by when its peer sent under another VNI (`pairAcrossVNIs`).
    private var vniPeers: [FlowKey: [Int]] = [:]
    private var vniAliases: [Int: FlowKey] = [:]
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
    /// Capture time for sweeps: the earlier of the last two segments' times (`previousTime`, this one's).
    private var clock = Timestamp(nanoseconds: .min)
    private var previousTime = Timestamp(nanoseconds: .min)
    /// Slots of the connections finalized and not yet taken by `drainFinalized` or `lendFinalized` (all of
    /// them, in a batch run), in the order they were finalized. A finalized connection stays in its cell until
    /// it is drained or lent: its slot is no longer current (`slotIDs` 0) and is freed then. (They were moved
    /// to an array of connections: a 2,296-byte copy each, and on the benchmark's short mix an array of 12,000
    /// connections, 28 MB of memory touched for the first time; issue 21.)
    private var finalized: [Int] = []
    /// Buffers of connections already handed over, for the next ones (`drainFinalized(recycling:)`).
    private var pool = BufferPool()
    /// Slot of the connection of each 4-tuple finalized in TIME_WAIT and not yet drained, so that a reuse can
    /// still fill its `reusedAfter` (batch: always; streaming: when the same segment finalized it).
    private var finalizedInTimeWait: [FlowKey: Int] = [:]
    /// Segments tracked, and at the last sweep; the capture time of the last sweep.
    private var segments = 0
    private var segmentsAtSweep = 0
    private var lastSweep = Timestamp(nanoseconds: .min)
    /// Sweeps run so far (a streaming caller reports progress when it moves).
    public private(set) var sweeps = 0
    /// Silence (ns) below which no connection can be due: the shortest linger or idle timeout.
    private let quietNanoseconds: Int64
    /// Connections dropped to stay within the caps.
    public private(set) var evictedHalfOpen = 0
    public private(set) var evictedOther = 0

    public init(options: TrackerOptions = TrackerOptions()) {
        self.options = options
        let shortest = min(options.idleTimeout, Tracker.closedLinger, 0.3, 2 * options.msl)
        quietNanoseconds = shortest.isFinite ? Int64(max(0, shortest) * 1e9) : Int64.max
    }

    public private(set) var liveConnections = 0

    /// Connections started so far (the ids given out).
    public var connectionsStarted: Int { nextID - 1 }

    /// Compact TIME_WAIT records held for finalized connections.
    public var timeWaitRecordCount: Int { timeWaitRecords.count }

    /// Most seconds a closed connection is kept whole before it is finalized (capped at 2·MSL); a connection
    /// whose handshake round trip is known lingers 0.3 s plus four round trips if that is less
    /// (`Connection.linger(atMost:)`).
    public static let closedLinger = 1.0

    /// Seconds a connection that carried traffic is kept whole after a RST (capped at 2·MSL): Zeek's
    /// `tcp_reset_delay`. The peer's retransmissions when the RST was lost past the capture point stay with it;
    /// a segment after it starts a new, mid-stream connection. A refused attempt lingers as a closed one.
    public static let resetLinger = 5.0

    /// A segment for a 4-tuple whose connection was already finalized, still inside its 2·MSL window, inside
    /// the old sequence space of its sender (a FIN or an ACK resent after the linger): it belongs to the old
    /// connection, which has been written out, not to a new mid-stream one.
    /// A RST on a 4-tuple still in TIME_WAIT is late whatever its sequence number (RFC 1337: it would end the
    /// TIME_WAIT of the side that holds it), and never starts a connection of its own.
    /// Returns the id of the connection it came after, nil when it is not late.
    private func lateSegmentOwner(_ segment: Segment, key: FlowKey, time: Timestamp) -> Int? {
        guard let record = timeWaitRecords.record(for: key, now: time, window: 2 * options.msl) else { return nil }
        if segment.flags.contains(.rst) { return record.connectionID }
        guard let space = record.space(of: Endpoint(address: segment.source, port: segment.sourcePort), key: key)
        else { return nil }
        return !(segment.sequence < space.start) && !(space.end < segment.sequence) ? record.connectionID : nil
    }

    /// Segments that came after their connection was finalized (see `lateSegmentOwner`): counted, not analysed.
    public private(set) var lateSegments = 0
    /// Those of them that were RSTs: each hit a 4-tuple still inside its TIME_WAIT window (RFC 1337).
    public private(set) var lateResets = 0
    /// The id of the finalized connection the last late segment came after (`ingest` returned 0 for it and
    /// `lateSegments` counted it): `extract` writes a late segment with its connection. Set only on that path.
    public private(set) var lastLateOwner = 0

    /// The summary's note on `lateSegments` (and `lateResets` among them).
    public static func lateSegmentsNote(_ count: Int, resets: Int = 0) -> String {
        "\(count) segment(s) came after their connection had been finalized (its linger over, inside 2·MSL): "
            + "counted, not analysed"
            + (resets > 0
                ? "; \(resets) of them RST(s) on a 4-tuple still in TIME_WAIT (RFC 1337: TIME-WAIT assassination)"
                : "")
    }

    /// The note on late segments, nil when there were none.
    public var lateSegmentsNote: String? {
        lateSegments > 0 ? Tracker.lateSegmentsNote(lateSegments, resets: lateResets) : nil
    }

    /// Tracks one segment. Returns the id of the connection it belongs to, or 0 for a late segment of a
    /// connection already finalized (counted in `lateSegments`).
    @discardableResult
    public mutating func ingest(_ segment: Segment, frame: Int, time: Timestamp) -> Int {
        clock = min(time, previousTime)
        previousTime = time
        segments += 1
        defer { if sweepIsDue() { sweep() } }
        let key = FlowKey(segment)
        // The connection is read and changed in place, through its cell: copying it would retain and release
        // its arrays on every packet. `current` only ever points at live connections (`drop` removes its entry).
        // One flow-table lookup per segment (a second one cost 2 % of all instructions on long connections).
        var found = slot(of: key)
        if segment.isCaptureDuplicate {
            // The same segment seen a moment ago on another interface: counted on its connection, which records
            // the interface, never used for state.
            guard let index = found, !isDue(index, at: time) else { return 0 }
            cells[index].pointee.countCaptureDuplicate(segment)
            return slotIDs[index]
        }
        if segment.checksum.isBad {
            // Counted on its connection (Zeek's `c`), never used for state, nor to end or start a connection.
            guard let index = found, !isDue(index, at: time) else { return 0 }
            cells[index].pointee.countBadChecksum(segment)
            return slotIDs[index]
        }
        if let index = found, isDue(index, at: time) {
            finalize(index)  // (it was current: `finalize` removes it from `current`)
            found = nil
        }
        guard let index = found else {
            // (Here, off the per-segment path: a check before the lookup above cost 4 % on long connections.)
            if segment.tunnel != 0, let peer = pairAcrossVNIs(segment, key: key, time: time) {
                return applyToPeer(peer, segment, frame: frame, time: time)
            }
            if !segment.flags.contains(.syn), let owner = lateSegmentOwner(segment, key: key, time: time) {
                lateSegments += 1
                if segment.flags.contains(.rst) { lateResets += 1 }
                lastLateOwner = owner
                return 0
            }
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: nil)
        }
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst),
            cells[index].pointee.isNewIncarnation(segment, at: time)
        {
            return startConnection(key: key, segment: segment, frame: frame, time: time, previous: index)
        }
        return apply(segment, to: index, frame: frame, time: time)
    }

    /// The slot of the current connection of `key` (its own key, or the second key of a VNI-paired one).
    /// (Probed here, without `FlowTable.find`'s closure: the closure captured the tracker, and this method,
    /// which the compiler did not inline, then took a 448-byte copy of it once per segment; callgrind, 200,000
    /// packets of long connections: see docs/performance.md, session 15.)
    @inline(__always)
    private func slot(of key: FlowKey) -> Int? {
        var probe = current.probe(key)
        while let slot = current.next(&probe) {
            if slotIDs[slot] != 0
                && (cells[slot].pointee.key == key || (!vniAliases.isEmpty && vniAliases[slot] == key))
            {
                return slot
            }
        }
        return nil
    }

    /// Applies the segment to the connection in slot `index`; returns its id.
    @inline(__always)
    private mutating func apply(_ segment: Segment, to index: Int, frame: Int, time: Timestamp) -> Int {
        lastSlot = index
        if segment.payloadLength > 0 { cells[index].pointee.lendDataBuffers(for: segment, from: &pool) }
        if cells[index].pointee.applyAndSettle(segment, frame: frame, time: time) {
            halfOpenCount -= 1
        }
        if segment.tunnelPath != 0 { cells[index].pointee.noteTunnel(segment, registry: tunnels) }
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

    /// Moves the clock to `now` (live capture, when the interface is quiet) and finalizes every connection due
    /// by then. Returns every connection finalized and not yet drained, oldest finalized first.
    public mutating func expire(now: Timestamp) -> [Connection] {
        clock = now
        previousTime = now
        sweep()
        var done: [Connection] = []
        drainFinalized { done.append($0) }
        return done
    }

    /// Some connections were finalized since the last `drainFinalized`.
    @inline(__always)
    public var hasFinalized: Bool { !finalized.isEmpty }

    /// Hands over every connection finalized since the last call, in the order they were finalized.
    /// `recycling`: the caller keeps nothing of them (no copy outlives `body`), so their buffers go to the
    /// next connections (`BufferPool`); a copy kept anyway stays intact (its buffers are then shared, and the
    /// pool's emptying gives the pool a new one).
    public mutating func drainFinalized(recycling: Bool = false, _ body: (Connection) -> Void) {
        guard !finalized.isEmpty else { return }
        if recycling { pool.limit = max(pool.limit, 2 * cells.count) }  // (a cell per connection held at the peak)
        // Each is moved out of its cell and lent: lending `cells[slot].pointee` (or an array's element) copied
        // the connection, retaining and releasing each of its arrays (callgrind: 1.6 % of the instructions on
        // paced short connections, with the retains and releases as much again).
        for slot in finalized {
            var c = cells.take(slot)
            body(c)
            if recycling { pool.reclaim(&c) }
            freeSlots.append(slot)
        }
        finalized.removeAll(keepingCapacity: true)
        finalizedInTimeWait.removeAll(keepingCapacity: true)
    }

    /// Connections finalized and not yet drained or lent.
    var finalizedCount: Int { finalized.count }

    /// What `drainFinalized` ends besides handing the connections over: a new connection on the 4-tuple of one
    /// finalized in TIME_WAIT no longer fills its `reusedAfter`. `StreamingRun` calls it after every segment
    /// while finalized connections wait for a batch (`lendFinalized`), so that the output is what draining
    /// them at once gives.
    mutating func closeReuseWindow() {
        if !finalizedInTimeWait.isEmpty { finalizedInTimeWait.removeAll(keepingCapacity: true) }
    }

    /// `drainFinalized(recycling: true)` for two threads, `count` at a time: lends the oldest `count` (or fewer)
    /// connections finalized and not yet drained where they lie (`ConnectionCells.lend`), in the order they
    /// were finalized, appending each to `batch`. The caller takes each one out (`LentConnection.take`) before
    /// the next segment, recycles its buffers into a `BufferPool` of its own and gives those back (`absorb`).
    /// (At most `count`: one sweep can finalize thousands at once, and a batch of all of them held their whole
    /// output in memory, 40 MB of JSON on short-50k.)
    mutating func lendFinalized(upTo count: Int, into batch: inout [LentConnection]) {
        var none: [Int] = []  // (slots go straight back: empty again before the next segment can take one)
        lendFinalized(upTo: count, into: &batch, freeing: true, holding: &none)
    }

    /// `lendFinalized(upTo:into:)` for a batch taken out while tracking goes on (`RenderingAhead`): the
    /// connections' slots are appended to `slots` and stay taken until `release(slots:)` (a new connection
    /// must not be put into a cell the other thread has not emptied yet).
    mutating func lendFinalized(upTo count: Int, into batch: inout [LentConnection], holding slots: inout [Int]) {
        lendFinalized(upTo: count, into: &batch, freeing: false, holding: &slots)
    }

    /// The slots of a batch lent with `lendFinalized(upTo:into:holding:)`, free again: its connections were
    /// taken out.
    mutating func release(slots: [Int]) {
        freeSlots.append(contentsOf: slots)
    }

    private mutating func lendFinalized(
        upTo count: Int, into batch: inout [LentConnection], freeing: Bool, holding slots: inout [Int]
    ) {
        pool.limit = max(pool.limit, 2 * cells.count)  // (as `drainFinalized` does when it recycles)
        let lent = min(count, finalized.count)
        for slot in finalized[..<lent] {
            batch.append(cells.lend(slot))
            if freeing { freeSlots.append(slot) } else { slots.append(slot) }
        }
        finalized.removeFirst(lent)
        closeReuseWindow()
    }

    /// Takes the buffers of connections recycled apart from the tracker (`lendFinalized`).
    mutating func absorb(_ buffers: inout BufferPool) {
        pool.absorb(&buffers)
    }

    /// The connection in slot `i` is due at `now`: finished and silent past its linger, or silent past the
    /// idle timeout. (Most segments come well inside the shortest of those: tested first, in integers.)
    @inline(__always)
    private func isDue(_ i: Int, at now: Timestamp) -> Bool {
        let silent = now.nanoseconds &- cells[i].pointee.end.nanoseconds
        guard silent > quietNanoseconds else { return false }
        return cells[i].pointee.isDue(now: now, options: options)
    }

    /// Up to ten times per second of capture time (a connection waits for the sweep after its linger: sweeping
    /// often keeps fewer of them whole). A sweep visits every connection, so with many held it waits for a
    /// quarter as many segments (at most 1 s). Decided by the packets alone, so the same in every mode.
    @inline(__always)
    private func sweepIsDue() -> Bool {
        // (In integer nanoseconds: this runs for every segment.)
        // (A step back in time counts as time passing, as a step forward does.)
        let elapsed = (clock.nanoseconds &- lastSweep.nanoseconds).magnitude
        if elapsed < UInt64(Tracker.sweepInterval) { return false }
        return elapsed >= 1_000_000_000 || (segments - segmentsAtSweep) * 4 >= liveConnections
    }

    /// Nanoseconds of capture time between two sweeps (0.1 s).
    static let sweepInterval: Int64 = 100_000_000

    /// Finalizes every connection due by the clock, in creation order, and drops TIME_WAIT records whose
    /// 2·MSL window has ended.
    private mutating func sweep() {
        sweeps += 1
        segmentsAtSweep = segments
        lastSweep = clock
        for (id, i) in creationQueue[creationHead...] where slotIDs[i] == id && isDue(i, at: clock) { finalize(i) }
        timeWaitRecords.expire(now: clock, window: 2 * options.msl)
    }

    /// Finalizes the connection in slot `i`: it gets its end-of-trace findings and waits in its cell, listed in
    /// `finalized`, for `drainFinalized`; a TIME_WAIT record keeps its 4-tuple's reuse and late segments
    /// recognisable for 2·MSL.
    private mutating func finalize(_ i: Int) {
        // Finished in place, in its cell: a copy of a connection retains and releases each of its arrays (perf:
        // 5 % of a short-connection run went to such copies).
        let key = cells[i].pointee.key
        let isCurrent = current.contains(key, slot: i)
        let alias = vniAliases.isEmpty ? nil : vniAliases[i]  // (the second key of a VNI-paired connection)
        let attempt = cells[i].pointee.countedAsAttempt
        forget(key: key, countedAsAttempt: attempt, at: i, freeing: false)
        finalized.append(i)
        cells[i].pointee.finish(options: options)
        if isCurrent, let start = cells[i].pointee.timeWaitStart, start.interval(to: clock) <= 2 * options.msl {
            timeWaitRecords.insert(TimeWaitRecord(cells[i].pointee), for: key)
            finalizedInTimeWait[key] = i
            if let alias {
                timeWaitRecords.insert(TimeWaitRecord(cells[i].pointee), for: alias)
                finalizedInTimeWait[alias] = i
            }
        }
    }

    @discardableResult
    private mutating func startConnection(
        key: FlowKey, segment: Segment, frame: Int, time: Timestamp,
        previous: Int?
    ) -> Int {
        // Where the key leads now (`previous`, or nothing), found before anything changes: the entry is then
        // rewritten, never left beside the new one.
        let replaced = slot(of: key)
        // Put in its cell at once and changed there (built in a variable, changed, then put, it was moved once
        // more: 2,296 bytes; callgrind, 0.5 % of a run of paced short connections, issue 21).
        let id = nextID
        nextID += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slotIDs[slot] = id
        } else {
            slot = cells.grow()
            slotIDs.append(id)
        }
        cells.put(
            Connection(
                id: id, key: key, first: segment, frame: frame, time: time, recordTimeline: options.recordTimeline),
            at: slot)
        let connection = cells[slot]
        if segment.payloadLength > 0 { connection.pointee.lendDataBuffers(for: segment, from: &pool) }
        connection.pointee.apply(segment, frame: frame, time: time)
        if segment.tunnelPath != 0 { connection.pointee.noteTunnel(segment, registry: tunnels) }
        var old: TimeWaitRecord?
        if let previous {
            old = TimeWaitRecord(cells[previous].pointee)
        } else if segment.flags.contains(.syn),
            let record = timeWaitRecords.record(for: key, now: time, window: 2 * options.msl)
        {
            old = record
        }
        timeWaitRecords.remove(key)
        if let old,
            let gap = connection.pointee.follow(old, opening: segment, frame: frame, time: time, msl: options.msl)
        {
            if let previous {
                cells[previous].pointee.reusedAfter = gap
                cells[previous].pointee.reusedAt = time
            } else if let k = finalizedInTimeWait.removeValue(forKey: key), cells[k].pointee.id == old.connectionID {
                cells[k].pointee.reusedAfter = gap
                cells[k].pointee.reusedAt = time
            }
        }
        let opensAttempt = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        connection.pointee.countedAsAttempt = opensAttempt
        if let previous, !vniAliases.isEmpty { retireVNIPair(previous, replacedBy: key) }
        current.set(key, slot: slot, replacing: replaced)
        if key.tunnel != 0 { noteVNIPeer(key, slot: slot) }
        lastSlot = slot
        liveConnections += 1
        if halfOpenQueue.count - halfOpenHead > 2 * halfOpenCount + 4096 {
            // Forget queue entries that are no longer attempts, so the queue stays proportional to the attempts
            // held (it was to the cap, 2 · maxHalfOpen: up to 4 MB at the peak of the benchmark's 1 M
            // connections, where few attempts are held at once; issue 21).
            var queue: [(id: Int, slot: Int)] = []
            swap(&queue, &halfOpenQueue)  // (the test below reads the tracker)
            Tracker.compact(&queue, from: halfOpenHead) { isAttempt($0) }
            swap(&queue, &halfOpenQueue)
            halfOpenHead = 0
        }
        creationQueue.append((id, slot))
        if creationQueue.count - creationHead > 2 * liveConnections + 4096 {
            var queue: [(id: Int, slot: Int)] = []
            swap(&queue, &creationQueue)
            Tracker.compact(&queue, from: creationHead) { slotIDs[$0.slot] == $0.id }
            swap(&queue, &creationQueue)
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

    // MARK: Overlays with a VNI per direction

    /// A tunnelled segment whose key matched nothing: the first segment of a connection's other side when that
    /// side sends under another VNI than the first (an OVN-style overlay carries each direction in the
    /// network of its destination; seen in third-party Geneve captures). It joins the connection of the same
    /// inner 4-tuple between the same tunnel endpoints, with a VNI, that has heard nothing from this sender
    /// yet, and its key becomes that connection's second key. A direction already heard from starts its own
    /// connection: two tenants' flows with one inner 4-tuple in two VNIs stay apart.
    @inline(never)
    private mutating func pairAcrossVNIs(_ segment: Segment, key: FlowKey, time: Timestamp) -> Int? {
        guard !vniPeers.isEmpty, let looseKey = looseKey(key), let candidates = vniPeers[looseKey] else { return nil }
        // Newest first; a candidate must not have heard from this sender, and an acknowledgment must fall in
        // what its other side sent (the SYN-ACK acknowledges the SYN).
        for slot in candidates.reversed() where slotIDs[slot] != 0 && vniAliases[slot] == nil {
            let sender = cells[slot].pointee.senderIndex(of: segment)
            guard cells[slot].pointee.side(sender, \.packets) == 0, !isDue(slot, at: time) else { continue }
            if segment.flags.contains(.ack), let isn = cells[slot].pointee.side(1 - sender, \.isn),
                let highest = cells[slot].pointee.side(1 - sender, \.highestSequence),
                !(isn < segment.acknowledgment && !(highest < segment.acknowledgment))
            {
                continue
            }
            let replaced = self.slot(of: key)
            vniAliases[slot] = key
            current.set(key, slot: slot, replacing: replaced)
            return slot
        }
        return nil
    }

    /// The first segment of a connection's other side, paired by `pairAcrossVNIs` (out of line: off the
    /// per-segment path).
    @inline(never)
    private mutating func applyToPeer(_ index: Int, _ segment: Segment, frame: Int, time: Timestamp) -> Int {
        apply(segment, to: index, frame: frame, time: time)
    }

    /// The key `key` has with its tunnel identity's VNIs dropped; nil when its tunnels have no VNI.
    private func looseKey(_ key: FlowKey) -> FlowKey? {
        let loose = tunnels.looseIdentity(of: key.tunnel)
        guard loose != 0 else { return nil }
        var looseKey = key
        looseKey.tunnel = loose
        return looseKey
    }

    /// Records a new connection in a tunnel with a VNI under its VNI-less key (`pairAcrossVNIs`).
    @inline(never)
    private mutating func noteVNIPeer(_ key: FlowKey, slot: Int) {
        guard let looseKey = looseKey(key) else { return }
        vniPeers[looseKey, default: []].append(slot)
    }

    /// A new incarnation replaces the VNI-paired connection in `slot`: neither of its keys leads to it any more
    /// (the new one's peer pairs again, with the new connection).
    @inline(never)
    private mutating func retireVNIPair(_ slot: Int, replacedBy key: FlowKey) {
        guard let alias = vniAliases.removeValue(forKey: slot) else { return }
        let primary = cells[slot].pointee.key
        if alias != key { current.remove(alias, slot: slot) }
        if primary != key { current.remove(primary, slot: slot) }
    }

    /// Keeps the entries of `queue` from `head` on that `keep`, moved to its start, in order. In place, keeping
    /// the array's capacity (a filtered copy was a new array that then grew again by doubling: some ten
    /// allocations per pruning, issue 21).
    private static func compact(
        _ queue: inout [(id: Int, slot: Int)], from head: Int, _ keep: ((id: Int, slot: Int)) -> Bool
    ) {
        var kept = 0
        for i in head..<queue.count where keep(queue[i]) {
            queue[kept] = queue[i]
            kept += 1
        }
        queue.removeLast(queue.count - kept)
    }

    /// Forgets the VNI-less key and the second key of the connection leaving `slot`.
    @inline(never)
    private mutating func forgetVNIPeer(_ key: FlowKey, slot: Int) {
        if let alias = vniAliases.removeValue(forKey: slot) { current.remove(alias, slot: slot) }
        guard let looseKey = looseKey(key), var slots = vniPeers[looseKey] else { return }
        slots.removeAll { $0 == slot }
        vniPeers[looseKey] = slots.isEmpty ? nil : slots
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
        let c = cells.take(slot)
        forget(key: c.key, countedAsAttempt: c.countedAsAttempt, at: slot)
    }

    /// Bookkeeping for the connection leaving slot `slot`: the slot is no longer current, and is free unless
    /// `freeing` is false (a finalized connection's, freed by `drainFinalized`).
    private mutating func forget(key: FlowKey, countedAsAttempt: Bool, at slot: Int, freeing: Bool = true) {
        if countedAsAttempt { halfOpenCount -= 1 }
        current.remove(key, slot: slot)
        if key.tunnel != 0 && !(vniPeers.isEmpty && vniAliases.isEmpty) { forgetVNIPeer(key, slot: slot) }
        slotIDs[slot] = 0
        if freeing { freeSlots.append(slot) }
        liveConnections -= 1
    }

    /// At the end of the trace, before `finish`: lends up to `count` of the connections still open, by first frame,
    /// where they lie (`ConnectionCells.lend`), appending each to `batch`; returns how many. They come without their
    /// end-of-capture findings: the caller raises them (`Connection.finish(options:)` with `options`), and must take
    /// each connection out (`LentConnection.take`) before calling anything but `lendOpen` and `finish` (which gives
    /// what is left, and resets the rest). `StreamingRun` finishes and renders them on both cores this way, each core
    /// moving out its own. (Moving them all out here read and wrote each one's 2,272 bytes on the tracking thread, only
    /// for the other core to read half of them again: 11 ms of the 34 ms the end of short-50k then took as text.)
    mutating func lendOpen(upTo count: Int, into batch: inout [LentConnection]) -> Int {
        var lent = 0
        while lent < count && creationHead < creationQueue.count {
            let (id, slot) = creationQueue[creationHead]
            creationHead += 1
            guard slotIDs[slot] == id else { continue }
            batch.append(cells.lend(slot))
            slotIDs[slot] = 0  // (as `finish` leaves it)
            lent += 1
        }
        return lent
    }

    /// Ends the trace: every connection gets its end-of-capture findings. Returns them, with those finalized
    /// earlier and not drained, by first frame (by id).
    public mutating func finish() -> [Connection] {
        var result: [Connection] = []
        result.reserveCapacity(liveConnections + finalized.count)
        finish { result.append($0) }
        result.sort { $0.id < $1.id }
        return result
    }

    /// `finish()` handing each connection to `body`: first those finalized and not drained, then the rest by
    /// first frame, without holding them all at once.
    public mutating func finish(_ body: (Connection) -> Void) {
        drainFinalized(body)
        for (id, slot) in creationQueue[creationHead...] where slotIDs[slot] == id {
            // Moved out, then lent: lending `cells[slot].pointee` itself copied the connection, retaining and
            // releasing each of its arrays (callgrind: twice the copies, +2 % of a short-connection run).
            var c = cells.take(slot)
            slotIDs[slot] = 0
            c.finish(options: options)
            body(c)
        }
        cells = ConnectionCells()
        slotIDs = []
        freeSlots = []
        vniPeers = [:]
        vniAliases = [:]
        creationQueue = []
        creationHead = 0
        halfOpenQueue = []
        halfOpenHead = 0
        halfOpenCount = 0
        current.removeAll()
        liveConnections = 0
    }
}
