/// The tracker's index from 4-tuple key to the slot of its current connection (a VNI-paired connection is
/// reached by a second key too): open addressing with linear probing over 8-byte buckets, each the low 32 bits
/// of the key's hash and the slot + 1 (0: empty), at most half full. The keys themselves are not stored: a bucket
/// whose hash matches is confirmed by the caller against its slot's connection (`Tracker.slot(of:)`), which the
/// segment is about to change anyway, so a lookup touches the bucket's line, the slot's id and that connection's
/// first line. (The bucket's line was the lookup's costliest miss, 60 % of its samples on the short mix: 8-byte
/// buckets instead of 16 halve the table, 1 MB at that mix's 35,000 current connections; docs/performance.md,
/// session 13.)
///
/// In place of a `Dictionary<FlowKey, Int>` (issue 21): its lookup read a bucket bitmap, a 48-byte key and an
/// 8-byte value in three arrays, three cache misses per packet when tens of thousands of connections
/// interleave; `__RawDictionaryStorage.find` was 13 % of all samples (`perf record`, short-50k, text). An entry
/// costs 16-32 bytes (the table is a quarter to half full; it does not shrink), the dictionary's at least 75.
///
/// Removing asks for the key and the slot (`remove(_:slot:)`): an entry is removed only if it is that key's
/// (by its hash's low 32 bits) and points at that slot, as `if table[key] == slot { table[key] = nil }` did, so a caller may
/// remove after the connection has left its cell. Lookups always confirm against the cell, so an entry of a
/// slot since reused by another connection can never be taken for it.
struct FlowTable {
    private struct Bucket {
        /// The low 32 bits of the key's hash (its home bucket is these & mask: the table never has 2^32 buckets).
        var hash: UInt32
        /// slot + 1; 0 for an empty bucket.
        var slot: UInt32
    }

    private var buckets = [Bucket](repeating: Bucket(hash: 0, slot: 0), count: 1024)
    private var mask = 1023
    private(set) var count = 0
    /// Per table. (`FlowKey._rawHashValue` mixes the seed in linearly, so keys built to collide collide under
    /// every seed: a crafted capture can make long probe chains, slow but correct. The Dictionary before used
    /// the same hash.)
    private let seed = Int.random(in: Int.min...Int.max)

    @inline(__always)
    private func hash(_ key: FlowKey) -> UInt32 { UInt32(truncatingIfNeeded: key._rawHashValue(seed: seed)) }

    /// A lookup in progress: `probe`, then `next` until the caller confirms a candidate or none is left. (No
    /// closure to confirm with: a closure captured the tracker, which a non-mutating method then copied, 448
    /// bytes, once per segment: see `Tracker.slot(of:)`.)
    struct Probe {
        fileprivate let hash: UInt32
        fileprivate var index: Int
    }

    /// The start of `key`'s lookup.
    @inline(__always)
    func probe(_ key: FlowKey) -> Probe {
        let h = hash(key)
        return Probe(hash: h, index: Int(truncatingIfNeeded: h) & mask)
    }

    /// The next slot whose bucket holds the probe's hash, nil at the end of its chain.
    @inline(__always)
    func next(_ probe: inout Probe) -> Int? {
        buckets.withUnsafeBufferPointer { b in
            while true {
                let bucket = b[probe.index]
                if bucket.slot == 0 { return nil }
                probe.index = (probe.index + 1) & mask
                if bucket.hash == probe.hash { return Int(bucket.slot) - 1 }
            }
        }
    }

    /// Whether `key` leads to `slot`.
    func contains(_ key: FlowKey, slot: Int) -> Bool { position(of: hash(key), slot: slot) != nil }

    /// Makes `key` lead to `slot`; `old` is where it led before (`find`), if anywhere: that entry is
    /// rewritten, else one is added.
    mutating func set(_ key: FlowKey, slot: Int, replacing old: Int?) {
        let h = hash(key)
        if let old, let i = position(of: h, slot: old) {
            buckets[i].slot = UInt32(slot + 1)
            return
        }
        var i = Int(truncatingIfNeeded: h) & mask
        while buckets[i].slot != 0 { i = (i + 1) & mask }
        buckets[i] = Bucket(hash: h, slot: UInt32(slot + 1))
        count += 1
        if count * 2 > buckets.count { grow() }
    }

    /// Removes the entry of `key` if it leads to `slot`.
    mutating func remove(_ key: FlowKey, slot: Int) {
        guard let i = position(of: hash(key), slot: slot) else { return }
        deleteBucket(i)
    }

    mutating func removeAll() {
        buckets = [Bucket](repeating: Bucket(hash: 0, slot: 0), count: 1024)
        mask = 1023
        count = 0
    }

    private func position(of h: UInt32, slot: Int) -> Int? {
        var i = Int(truncatingIfNeeded: h) & mask
        while buckets[i].slot != 0 {
            if buckets[i].hash == h && buckets[i].slot == UInt32(slot + 1) { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Backward-shift deletion (linear probing): no tombstones, so lookups stay short.
    private mutating func deleteBucket(_ index: Int) {
        var hole = index
        var i = (index + 1) & mask
        while buckets[i].slot != 0 {
            let home = Int(truncatingIfNeeded: buckets[i].hash) & mask
            // Move the bucket at i into the hole unless its home lies cyclically in (hole, i].
            if (i - home) & mask >= (i - hole) & mask {
                buckets[hole] = buckets[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        buckets[hole] = Bucket(hash: 0, slot: 0)
        count -= 1
    }

    private mutating func grow() {
        let old = buckets
        buckets = [Bucket](repeating: Bucket(hash: 0, slot: 0), count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket.slot != 0 {
            var i = Int(truncatingIfNeeded: bucket.hash) & mask
            while buckets[i].slot != 0 { i = (i + 1) & mask }
            buckets[i] = bucket
        }
    }
}
