import Foundation
import Testing

@testable import TCPTrace

/// The first-frame order spool: outputs held in its arena come out in id order with their bytes, across the
/// arena's compaction, and beside spilled ones.
@Suite struct OrderedSpoolTests {
    /// Output `id`: `length` bytes that name it.
    static func output(_ id: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: id &* 31 &+ $0) }
    }

    /// Ids added as 2, 4, 1, 6, 3, 8, 5, …: one always waits while the ones before it are emitted, so the
    /// arena fills with emitted (dead) bytes and is compacted many times (its limit is twice the budget, at
    /// least 128 KiB; 2,000 outputs of 1 KiB make 2 MB). With a budget of 0 every output is spilled instead.
    @Test(arguments: [1 << 16, 0])
    func compactionKeepsEveryOutputInOrder(budget: Int) {
        var spool = OrderedSpool(memoryBudget: budget)
        var emitted: [[UInt8]] = []
        let count = 2_000
        var order = [2]
        for k in stride(from: 4, through: count, by: 2) { order += [k, k - 3] }
        order += [count - 1]
        #expect(Set(order) == Set(1...count) && order.count == count)
        for id in order {
            let bytes = Self.output(id, length: 1000 + id % 50)
            bytes.withUnsafeBytes { raw in spool.add(id, raw) { emitted.append(Array($0)) } }
        }
        spool.flush { emitted.append(Array($0)) }
        if budget > 0 {
            #expect(spool.compactions >= 5)  // (half the outputs are emitted at once: 1 MB through the arena)
            #expect(spool.spilledTotal == 0)
        } else {
            #expect(spool.compactions == 0)
            #expect(spool.spilledTotal == count / 2)  // every even id waits
        }
        #expect(emitted.count == count)
        for (i, bytes) in emitted.enumerated() {
            #expect(bytes == Self.output(i + 1, length: 1000 + (i + 1) % 50), "output \(i + 1)")
        }
    }

    /// Outputs spilled into a file that cannot be written still come out, in order, with their bytes: the failed
    /// write (of the first 1 MiB) leaves what it held in memory, read back from there, and nothing more is
    /// spilled. 6,000 outputs of ~1 kB, each even one waiting: about 3 MB to spill.
    @Test func aSpillFileThatCannotBeWrittenLosesNothing() throws {
        let readOnly = open("/dev/null", O_RDONLY)
        try #require(readOnly >= 0)
        var spool = OrderedSpool(memoryBudget: 0, spillingInto: readOnly)
        var emitted: [[UInt8]] = []
        let count = 6_000
        var order = [2]
        for k in stride(from: 4, through: count, by: 2) { order += [k, k - 3] }
        order += [count - 1]
        for id in order {
            let bytes = Self.output(id, length: 1000 + id % 50)
            bytes.withUnsafeBytes { raw in spool.add(id, raw) { emitted.append(Array($0)) } }
        }
        spool.flush { emitted.append(Array($0)) }
        #expect(spool.lostTotal == 0)
        // Spilled: those before the failed write (~1 MiB), not the rest.
        #expect(spool.spilledTotal > 500 && spool.spilledTotal < count / 2)
        #expect(emitted.count == count)
        for (i, bytes) in emitted.enumerated() {
            #expect(bytes == Self.output(i + 1, length: 1000 + (i + 1) % 50), "output \(i + 1)")
        }
    }
}
