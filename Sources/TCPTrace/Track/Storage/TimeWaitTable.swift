import DequeModule

/// One family's records.
///
/// Records arrive in (nearly) the order they expire, so they live in a FIFO and leave from its front; a
/// 4-tuple index finds one by key. An entry is the packed key and the 32-byte record (its live flag a bit of it); the index costs
/// 8 bytes per record (4-byte slots, at most half full), with no per-record allocation. The FIFO is a queue
/// of fixed chunks of 4,096 entries, so it grows without copying (a doubling buffer held old and new, 1.5
/// times the records, while growing). A `Dictionary<FlowKey, TimeWaitRecord>` spent 160 bytes per record and
/// had to be rebuilt to drop expired ones.
struct TimeWaitTable<PackedKey: TimeWaitKey> {
    /// 48 bytes with an IPv4 key, 80 with an IPv6 one (checked in `CaptureTests`); whether the entry is live is
    /// a bit of the record, not a field (a `Bool` after the key took 8 more bytes once issue 20's tunnel
    /// identity filled the IPv4 key's padding: 6 MB of the benchmark's 1 M connections, issue 21).
    struct Entry {
        var key: PackedKey
        var record: TimeWaitRecord
        /// false once the record was taken by a new incarnation or replaced (it stays in the FIFO until it
        /// reaches the front).
        var live: Bool {
            get { record.isLive }
            set { record.isLive = newValue }
        }

        init(key: PackedKey, live: Bool, record: TimeWaitRecord) {
            self.key = key
            self.record = record
            self.record.isLive = live
        }
    }

    private static var chunkShift: UInt32 { 12 }
    private static var chunkSize: Int { 1 << 12 }
    /// Oldest first, in chunks of `chunkSize`; `chunks[0][0]` has the absolute position `chunkStart`
    /// (positions wrap at 32 bits). Entries from `base` (the oldest held) to `end` (exclusive).
    private var chunks = Deque<[Entry]>()
    private var chunkStart: UInt32 = 0
    private var base: UInt32 = 0
    private var end: UInt32 = 0

    private func entry(at position: UInt32) -> Entry {
        let offset = position &- chunkStart
        return chunks[Int(offset >> TimeWaitTable.chunkShift)][Int(offset) & (TimeWaitTable.chunkSize - 1)]
    }

    private mutating func markTaken(at position: UInt32) {
        let offset = position &- chunkStart
        chunks[Int(offset >> TimeWaitTable.chunkShift)][Int(offset) & (TimeWaitTable.chunkSize - 1)].live = false
    }

    private mutating func append(_ e: Entry) {
        if Int(end &- chunkStart) == chunks.count * TimeWaitTable.chunkSize {
            var chunk: [Entry] = []
            chunk.reserveCapacity(TimeWaitTable.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(e)
        end &+= 1
    }

    private mutating func removeOldest() {
        base &+= 1
        if Int(base &- chunkStart) == TimeWaitTable.chunkSize {
            chunks.removeFirst()
            chunkStart &+= UInt32(TimeWaitTable.chunkSize)
        }
    }
    /// Open addressing with linear probing: absolute position + 1 of an entry, 0 for an empty slot.
    private var slots: [UInt32] = Array(repeating: 0, count: 16)
    /// Live records (each has one slot).
    private(set) var count = 0

    private var mask: Int { slots.count - 1 }

    /// The slot that holds `key`, or the empty slot where it would go.
    private func find(_ key: PackedKey) -> (slot: Int, found: Bool) {
        var i = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let s = slots[i]
            if s == 0 { return (i, false) }
            if entry(at: s &- 1).key == key { return (i, true) }
            i = (i + 1) & mask
        }
    }

    func record(for key: PackedKey, now: Timestamp, window: Double) -> TimeWaitRecord? {
        let (slot, found) = find(key)
        guard found else { return nil }
        let record = entry(at: slots[slot] &- 1).record
        guard let start = record.timeWaitStart, start.interval(to: now) <= window else { return nil }
        return record
    }

    mutating func insert(_ record: TimeWaitRecord, for packed: PackedKey) {
        let (slot, found) = find(packed)
        if end == UInt32.max {
            // Position 2^32 - 1 would be stored as slot value 0 (empty): skip it with a dead entry.
            append(Entry(key: packed, live: false, record: record))
        }
        let position = end
        if found {
            markTaken(at: slots[slot] &- 1)
        } else {
            count += 1
        }
        slots[slot] = position &+ 1
        append(Entry(key: packed, live: true, record: record))
        if count * 2 > slots.count { grow() }
    }

    mutating func remove(_ key: PackedKey) {
        let (slot, found) = find(key)
        guard found else { return }
        markTaken(at: slots[slot] &- 1)
        deleteSlot(slot)
    }

    /// Drops, from the front, every record whose 2·MSL window ended before `now` (and entries already taken).
    mutating func expire(now: Timestamp, window: Double) {
        while base != end {
            let first = entry(at: base)
            if first.live {
                // (A record without a start never matches a lookup: it goes too.)
                if let start = first.record.timeWaitStart, !(start.interval(to: now) > window) { break }
                let (slot, found) = find(first.key)
                if found && slots[slot] == base &+ 1 { deleteSlot(slot) }
            }
            removeOldest()
        }
    }

    /// Backward-shift deletion (linear probing): no tombstones, so lookups stay short.
    private mutating func deleteSlot(_ slot: Int) {
        var hole = slot
        var i = (slot + 1) & mask
        while slots[i] != 0 {
            let home = Int(truncatingIfNeeded: entry(at: slots[i] &- 1).key.hash) & mask
            // Move the entry at i into the hole unless its home lies cyclically in (hole, i].
            if (i - home) & mask >= (i - hole) & mask {
                slots[hole] = slots[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        slots[hole] = 0
        count -= 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        for s in old where s != 0 {
            var i = Int(truncatingIfNeeded: entry(at: s &- 1).key.hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }
}
