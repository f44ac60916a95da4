import Dispatch

/// The end of the trace on both cores: each connection of a batch of those still held is moved out of its
/// cell (`Tracker.lendOpen`), gets its end-of-capture findings, is rendered and counted, and goes, the first
/// half on the calling thread and the second on a thread of Dispatch's pool. Then the caller writes each
/// connection's output in order and takes in the counts.
///
/// On traffic of short connections most of them are still held when the capture ends (29,085 of short-50k's 50,000: a
/// closed one lingers after its close, `Tracker.closedLinger`), the reader's core is idle by then, and they are cold in
/// both cores' caches. The end of short-50k took (4 runs each, the same output): jsonl 78-83 ms against 126-129 ms on
/// the tracking thread alone, csv 51-52 against 89-93, text 18-19 against 21. (Finishing and rendering each connection
/// in its cell instead of taking it out first took 86-93, 55-59 and 22-23 ms: the copy reads the cell in one sweep,
/// rendering piecemeal.) During the trace connections stay on the tracking thread: rendering them on the other core was
/// slower each of the four times it was tried (docs/performance.md), each connection crossing the caches while hot.
///
/// The bytes are kept with their capacity for the next batch: no allocation per connection.
struct RenderedBatch {
    /// Each half's output, one connection's after another, and where each connection's ends.
    private var halves = [Half(), Half()]

    private struct Half {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var ids: [Int] = []
        var totals = FindingTotals()
    }

    /// Ends each connection, lent where it lies (`Tracker.lendOpen`): takes it out, raises its end-of-capture
    /// findings (`Connection.finish(options:)`), renders it with `sink` and counts it; the two halves of the
    /// batch at once. `sink.render` runs on two threads at the same time.
    mutating func finish<Sink: ConnectionSink & ~Copyable>(
        _ connections: [LentConnection], options: TrackerOptions, with sink: borrowing Sink
    ) {
        let count = connections.count
        let split = (count + 1) / 2
        for h in 0..<2 {
            halves[h].bytes.removeAll(keepingCapacity: true)
            halves[h].ends.removeAll(keepingCapacity: true)
            halves[h].ids.removeAll(keepingCapacity: true)
            halves[h].totals = FindingTotals()
        }
        halves.withUnsafeMutableBufferPointer { halves in
            let hs = halves
            RenderedBatch.onBothCores { h in
                // (Each call touches only its own half of the connections and its own `hs[h]`.)
                for i in h == 0 ? 0..<split : split..<count {
                    var c = connections[i].take()
                    c.finish(options: options)
                    sink.render(c, into: &hs[h].bytes)
                    hs[h].ends.append(hs[h].bytes.count)
                    hs[h].ids.append(c.id)
                    hs[h].totals.add(c)
                }
            }
        }
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

    /// Runs `body(0)` on this thread and `body(1)` on one of Dispatch's pool at once, and returns when both
    /// are done. The two calls must touch nothing in common that either changes.
    private static func onBothCores(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            // (`concurrentPerform` wants a `Sendable` closure: the caller vouches for `body`, see above.)
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: 2) { shared.value($0) }
        }
    }

    private struct UncheckedSendable<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
