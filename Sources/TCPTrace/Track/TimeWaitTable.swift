import DequeModule

/// The TIME_WAIT records of finalized connections, held until 2·MSL after their TIME_WAIT began.
///
/// Records arrive in (nearly) the order they expire, so they live in a FIFO (`Deque`) and leave from its front;
/// a 4-tuple index finds one by key. Each entry is 72 bytes (the 4-tuple packed into 36 bytes, the 32-byte
/// record), and the index costs 8 bytes per record (4-byte slots, at most half full): about 80 bytes per
/// closed connection, with no per-record allocation. A `Dictionary<FlowKey, TimeWaitRecord>` spent 160 bytes
/// per record and had to be rebuilt to drop expired ones.
struct TimeWaitTable {
    /// The 4-tuple without padding: both addresses as 64-bit halves, both ports in one word, families in bits.
    private struct PackedKey: Equatable {
        var lowerHigh: UInt64, lowerLow: UInt64, upperHigh: UInt64, upperLow: UInt64
        var ports: UInt32
        var families: UInt8

        init(_ key: FlowKey) {
            lowerHigh = key.lower.address.high
            lowerLow = key.lower.address.low
            upperHigh = key.upper.address.high
            upperLow = key.upper.address.low
            ports = UInt32(key.lower.port) << 16 | UInt32(key.upper.port)
            families = (key.lower.address.isIPv6 ? 1 : 0) | (key.upper.address.isIPv6 ? 2 : 0)
        }

        var hash: UInt64 {
            var h = (lowerHigh ^ upperHigh &* 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD
            h = (h ^ (h >> 32) ^ lowerLow) &* 0xFF51_AFD7_ED55_8CCD
            h = (h ^ (h >> 32) ^ upperLow ^ UInt64(ports) << 20 ^ UInt64(families)) &* 0xC4CE_B9FE_1A85_EC53
            return h ^ (h >> 29)
        }
    }

    /// Fields in this order so that `live` fills the key's tail padding: 72 bytes a record.
    private struct Entry {
        var key: PackedKey
        /// false once the record was taken by a new incarnation or replaced (it stays in the FIFO until it
        /// reaches the front).
        var live: Bool
        var record: TimeWaitRecord
    }

    /// Oldest first. `entries[i]` has the absolute position `base + i` (wrapping, 32 bits).
    private var entries = Deque<Entry>()
    private var base: UInt32 = 0
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
            if entries[Int(s &- 1 &- base)].key == key { return (i, true) }
            i = (i + 1) & mask
        }
    }

    /// The record of `key` if its 2·MSL `window` has not ended by `now`.
    func record(for key: FlowKey, now: Timestamp, window: Double) -> TimeWaitRecord? {
        let (slot, found) = find(PackedKey(key))
        guard found else { return nil }
        let record = entries[Int(slots[slot] &- 1 &- base)].record
        guard let start = record.timeWaitStart, start.interval(to: now) <= window else { return nil }
        return record
    }

    /// Adds (or replaces) the record of `key`.
    mutating func insert(_ record: TimeWaitRecord, for key: FlowKey) {
        let packed = PackedKey(key)
        let (slot, found) = find(packed)
        let position = base &+ UInt32(truncatingIfNeeded: entries.count)
        if found {
            entries[Int(slots[slot] &- 1 &- base)].live = false
        } else {
            count += 1
        }
        slots[slot] = position &+ 1
        entries.append(Entry(key: packed, live: true, record: record))
        if count * 2 > slots.count { grow() }
    }

    /// Removes and returns the record of `key`, if any.
    @discardableResult
    mutating func remove(_ key: FlowKey) -> TimeWaitRecord? {
        let (slot, found) = find(PackedKey(key))
        guard found else { return nil }
        let index = Int(slots[slot] &- 1 &- base)
        entries[index].live = false
        deleteSlot(slot)
        return entries[index].record
    }

    /// Drops, from the front, every record whose 2·MSL window ended before `now` (and entries already taken).
    mutating func expire(now: Timestamp, window: Double) {
        while let first = entries.first {
            if first.live {
                guard let start = first.record.timeWaitStart, start.interval(to: now) > window else { break }
                let (slot, found) = find(first.key)
                if found && slots[slot] == base &+ 1 { deleteSlot(slot) }
            }
            entries.removeFirst()
            base &+= 1
        }
    }

    /// Backward-shift deletion (linear probing): no tombstones, so lookups stay short.
    private mutating func deleteSlot(_ slot: Int) {
        var hole = slot
        var i = (slot + 1) & mask
        while slots[i] != 0 {
            let home = Int(truncatingIfNeeded: entries[Int(slots[i] &- 1 &- base)].key.hash) & mask
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
            var i = Int(truncatingIfNeeded: entries[Int(s &- 1 &- base)].key.hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }
}
