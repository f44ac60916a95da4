import Testing

@testable import TCPTrace

/// The first-frame order's queue of waiting connections (`ChunkedQueue`, 4,096 per chunk) against an array
/// doing the same appends, removals and writes, across chunk boundaries and through empty.
@Suite struct ChunkedQueueTests {
    @Test func behavesAsAnArrayQueue() {
        var queue = ChunkedQueue<UInt64>()
        var model: [UInt64] = []
        var next: UInt64 = 1
        // Phases of growth and shrinkage that cross several chunks, empty the queue and start again.
        for (appends, removals) in [(5_000, 4_000), (10_000, 3_000), (0, 8_000), (9_000, 9_000), (4_096, 4_095)] {
            for _ in 0..<appends {
                queue.append(next)
                model.append(next)
                next += 1
            }
            // Rewrite every 7th element in place, as the spool does when a connection's output arrives.
            for i in stride(from: 0, to: model.count, by: 7) {
                queue[i] = model[i] * 10
                model[i] *= 10
            }
            for _ in 0..<removals {
                #expect(queue.first == model.first)
                queue.removeFirst()
                model.removeFirst()
            }
            #expect(queue.count == model.count)
            #expect(queue.isEmpty == model.isEmpty)
            #expect(queue.indices.map { queue[$0] } == model)
        }
        #expect(queue.count == 1)
        #expect(queue.first == model.first)
    }
}
