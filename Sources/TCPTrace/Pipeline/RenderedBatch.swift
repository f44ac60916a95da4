/// Connections rendered on both cores, a batch at a time: each connection of the batch, lent where it lies
/// (finalized ones: `Tracker.lendFinalized`; those still held at the end: `Tracker.lendOpen`), is taken out of its
/// cell, gets its end-of-capture findings (the held ones), is rendered, counted and recycled, the first half on the
/// calling thread and the second on a thread of its own (`SecondCore`). Then the caller writes each connection's
/// output in order and takes in the counts and buffers.
///
/// At the end of the trace the reader's core is idle, and on traffic of short connections most of them are still
/// held (29,085 of short-50k's 50,000: a closed one lingers after its close, `Tracker.closedLinger`), cold in both
/// cores' caches. The end of short-50k took (4 runs each, the same output): jsonl 78-83 ms against 126-129 ms on
/// the tracking thread alone, csv 51-52 against 89-93, text 18-19 against 21. (Finishing and rendering each
/// connection in its cell instead of taking it out first took 86-93, 55-59 and 22-23 ms: the copy reads the cell in
/// one sweep, rendering piecemeal.)
///
/// During the trace, into a JSON sink (`ConnectionSink.rendersInBatches`), finalized connections go the same way,
/// 256 at a time (`StreamingRun.renderFinalized`). The
/// four earlier attempts at rendering on the other core (docs/performance.md, sessions 3, 4, 13 and 15) were
/// slower: they handed each connection over as it finished, hot in the tracking core's cache, while tracking went
/// on. Here the tracking thread renders the other half meanwhile, and a finalized connection has been silent for
/// its linger: only its verdict has touched it since.
///
/// The bytes are kept with their capacity for the next batch: no allocation per connection.
struct RenderedBatch {
    /// Each half's output, one connection's after another, and where each connection's ends.
    private var halves = [Half(), Half()]
    /// The thread of the second half (started at the first batch large enough to share).
    private let second = SecondCore()
    /// Batches smaller than this run on the calling thread alone (a capture of a few connections starts no
    /// thread).
    static let shared = 64

    private struct Half {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var ids: [Int] = []
        var totals = FindingTotals()
        /// The buffers of the connections recycled (finalized ones), for the tracker (`Tracker.absorb`).
        var buffers = BufferPool(limit: .max)
    }

    /// Ends each connection, lent where it lies (`Tracker.lendOpen`, `Tracker.lendFinalized`): takes it out,
    /// raises its end-of-capture findings (`Connection.finish(options:)`) unless `verdicts` is nil (a finalized
    /// one has them), renders it with `sink`, counts it, and with `recycling` keeps its buffers for
    /// `giveBuffers`; the two halves of the batch at once. `sink.render` runs on two threads at the same time.
    mutating func finish<Sink: ConnectionSink & ~Copyable>(
        _ connections: [LentConnection], verdicts options: TrackerOptions?, recycling: Bool,
        with sink: borrowing Sink
    ) {
        let count = connections.count
        let split = (count + 1) / 2
        for h in 0..<2 {
            halves[h].bytes.removeAll(keepingCapacity: true)
            halves[h].ends.removeAll(keepingCapacity: true)
            halves[h].ids.removeAll(keepingCapacity: true)
            halves[h].totals.removeAll()
        }
        connections.withUnsafeBufferPointer { connections in
            halves.withUnsafeMutableBufferPointer { halves in
                withUnsafePointer(to: sink) { sink in
                    let job = Job(
                        sink: sink, connections: connections, halves: halves, verdicts: options,
                        recycling: recycling, split: split)
                    if count < RenderedBatch.shared {
                        job.run(half: 0)
                        job.run(half: 1)
                    } else {
                        second.run(job)
                    }
                }
            }
        }
    }

    /// One batch's work, half by half: a plain value of pointers, so that handing it to the second thread
    /// allocates nothing (a closure made escaping for it was one allocation a batch).
    private struct Job<Sink: ConnectionSink & ~Copyable>: HalfJob {
        let sink: UnsafePointer<Sink>
        let connections: UnsafeBufferPointer<LentConnection>
        let halves: UnsafeMutableBufferPointer<Half>
        let verdicts: TrackerOptions?
        let recycling: Bool
        let split: Int

        /// Half `h` of the batch. (Each half touches only its own connections and its own `halves[h]`.)
        func run(half h: Int) {
            for i in h == 0 ? 0..<split : split..<connections.count {
                var c = connections[i].take()
                if let verdicts { c.finish(options: verdicts) }
                sink.pointee.render(c, into: &halves[h].bytes)
                halves[h].ends.append(halves[h].bytes.count)
                halves[h].ids.append(c.id)
                halves[h].totals.add(c)
                if recycling { halves[h].buffers.reclaim(&c) }
            }
        }
    }

    /// The buffers kept from the last batch (`recycling`), to the tracker.
    mutating func giveBuffers(to tracker: inout Tracker) {
        for h in 0..<2 { tracker.absorb(&halves[h].buffers) }
    }

    /// Each connection's id and output, in the batch's order.
    func forEach(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        for half in halves {
            half.bytes.withUnsafeBytes { raw in
                var start = 0
                for (id, end) in zip(half.ids, half.ends) {
                    body(id, UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    start = end
                }
            }
        }
    }

    /// The batch's connections counted into `totals`, after those counted there before.
    func count(into totals: inout FindingTotals) {
        for half in halves { totals.append(half.totals) }
    }
}
