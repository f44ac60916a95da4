import Testing

@testable import TCPTrace

extension FlowTable {
    /// The slot `key` leads to: the first candidate that `matches` confirms (as `Tracker.slot(of:)` probes).
    fileprivate func find(_ key: FlowKey, _ matches: (Int) -> Bool) -> Int? {
        var probe = self.probe(key)
        while let slot = next(&probe) {
            if matches(slot) { return slot }
        }
        return nil
    }
}

/// The tracker's 4-tuple index (`FlowTable`) against a `Dictionary` doing the same: inserts, rewrites (a new
/// incarnation in another slot), removals by key and slot (only the entry of that key that leads to that slot),
/// growth past its first 1,024 buckets and deletion that shifts later buckets back. Slots here "hold" the key
/// recorded for them, as the tracker's cells do.
@Suite struct FlowTableTests {
    private func key(_ n: Int) -> FlowKey {
        var k = FlowKey(Segment.empty)
        k.lower = Endpoint(address: IPAddress(ipv4: UInt32(0x0A00_0000 + n % 251)), port: UInt16(1024 + n % 60_000))
        k.upper = Endpoint(address: IPAddress(ipv4: 0xC0A8_0001), port: 80)
        k.tunnel = UInt32(n % 3)
        return k
    }

    @Test func behavesAsADictionary() {
        var table = FlowTable()
        var model: [FlowKey: Int] = [:]
        var held: [Int: FlowKey] = [:]  // slot -> the key of the connection in it
        var nextSlot = 0
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ n: Int) -> Int {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            return Int(rng % UInt64(n))
        }
        for step in 0..<60_000 {
            let k = key(random(5_000))
            let lookup = table.find(k) { held[$0] == k }
            #expect(lookup == model[k], "step \(step)")
            switch random(10) {
            case 0..<6:  // a connection starts in a new slot (replacing the key's current one, if any)
                let slot = nextSlot
                nextSlot += 1
                held[slot] = k
                table.set(k, slot: slot, replacing: lookup)
                model[k] = slot
            default:  // the key's connection leaves its slot
                guard let slot = model[k] else { continue }
                table.remove(k, slot: slot + 1)  // another slot: nothing is removed
                #expect(table.find(k) { held[$0] == k } == slot)
                table.remove(k, slot: slot)
                held[slot] = nil
                model[k] = nil
            }
            #expect(table.count == model.count)
        }
        #expect(model.count > 1_024)  // the table grew
        for (k, slot) in model {
            #expect(table.find(k) { held[$0] == k } == slot)
            #expect(table.contains(k, slot: slot))
        }
    }
}
