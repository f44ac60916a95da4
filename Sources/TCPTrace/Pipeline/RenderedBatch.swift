import Synchronization

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
/// During the trace, into a JSON sink (`ConnectionSink.rendersInBatches`), finalized connections are rendered
/// 256 at a time too (`StreamingRun.renderFinalized`), but ahead (`startAhead`, `RenderingAhead`): the second core
/// renders a batch while the tracking thread goes on tracking, and the tracking thread helps only when the
/// second core falls too far behind (`StreamingRun.finalizedBacklog`). The batch's outputs go to the sink when
/// the next batch starts, on the second core, before it renders anything of that one. The four earlier attempts
/// at rendering on the other core (docs/performance.md, sessions 3, 4, 13 and 15) were slower: they handed each
/// connection over as it finished, hot in the tracking core's cache. A finalized connection here has been silent
/// for its linger: only its verdict has touched it since. (Ahead, text rows gained nothing: short-50k 0.235 s
/// against 0.226 s, mix-100k 0.566 s against 0.579 s, medians of 11 and 7 alternating runs. Text, CSV and
/// conn.log rows are rendered one by one during the trace.)
///
/// The bytes are kept with their capacity for the next batch: no allocation per connection.
struct RenderedBatch {
    /// Each half's output, one connection's after another, and where each connection's ends.
    private var halves = [RenderedPart(), RenderedPart()]
    /// The thread of the second half (started at the first batch large enough to share).
    private let second = SecondCore()
    /// The batch of finalized connections rendered on the second core while tracking goes on, if any
    /// (`startAhead`).
    private let ahead = RenderingAhead()
    /// Finalized connections are rendered ahead (`renderAhead(with:)`); the batch in flight (0: none), and
    /// whether the second core was started on it. (Kept here, on the tracking thread's side: the per-segment
    /// checks of `StreamingRun.renderAhead` read no line the second core writes.)
    private(set) var rendersAhead = false
    private(set) var aheadCount = 0
    private var aheadStarted = false
    /// Batches smaller than this run on the calling thread alone (a capture of a few connections starts no
    /// thread).
    static let shared = 64

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
        for h in 0..<2 { halves[h].reset() }
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
        let halves: UnsafeMutableBufferPointer<RenderedPart>
        let verdicts: TrackerOptions?
        let recycling: Bool
        let split: Int

        /// Half `h` of the batch. (Each half touches only its own connections and its own `halves[h]`.)
        func run(half h: Int) {
            for i in h == 0 ? 0..<split : split..<connections.count {
                halves[h].take(connections[i], verdicts: verdicts, recycling: recycling) {
                    sink.pointee.render($0, into: &$1)
                }
            }
        }
    }

    /// The buffers kept from the last batch (`recycling`), to the tracker.
    mutating func giveBuffers(to tracker: inout Tracker) {
        for h in 0..<2 { tracker.absorb(&halves[h].buffers) }
    }

    /// Each connection's id and output, in the batch's order.
    func forEach(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        for half in halves { half.forEach(body) }
    }

    /// The batch's connections counted into `totals`, after those counted there before.
    func count(into totals: inout FindingTotals) {
        for half in halves { totals.append(half.totals) }
    }

    // MARK: Rendering ahead

    /// From now on batches of finalized connections may be rendered on the second core while tracking goes on
    /// (`startAhead`), with `render`, and their outputs handed, in order, to `deliver` (the sink's
    /// `add(rendered:id:)`), mostly on the second core too (`RenderingAhead`). Both must stay valid, and `render`
    /// must read nothing the caller or `deliver` changes, until `stopRenderingAhead`; what `deliver` changes, the
    /// caller reaches only with nothing in flight and nothing pending (`completeAhead`, then `deliverPending`).
    mutating func renderAhead(
        with render: @escaping (Connection, inout [UInt8]) -> Void,
        deliver: @escaping (Int, UnsafeRawBufferPointer) -> Void
    ) {
        ahead.render = render
        ahead.deliver = deliver
        rendersAhead = true
    }

    /// After the last `completeAhead` and `deliverPending`.
    mutating func stopRenderingAhead() {
        precondition(aheadCount == 0, "RenderedBatch: a batch rendered ahead is not completed")
        precondition(!ahead.hasPending, "RenderedBatch: a batch rendered ahead is not delivered")
        ahead.render = nil
        ahead.deliver = nil
        rendersAhead = false
    }

    /// The second core is done with the batch in flight (or was not started on it): `completeAhead` will not
    /// wait.
    var aheadIsDone: Bool { !aheadStarted || ahead.finished.load(ordering: .acquiring) }

    /// Lends the oldest `count` finalized connections (or fewer) of `tracker`, their slots held
    /// (`Tracker.lendFinalized(upTo:into:holding:)`), and has the second core deliver the outputs of the batch
    /// completed before, if they wait (`completeAhead`), then start rendering these (a batch smaller than
    /// `shared` waits for `completeAhead`, on this thread, and the outputs waiting are delivered here). Between
    /// `renderAhead(with:deliver:)` and `stopRenderingAhead`, with nothing in flight (`completeAhead`).
    mutating func startAhead(lendingFrom tracker: inout Tracker, upTo count: Int) {
        precondition(rendersAhead, "RenderedBatch: nothing to render ahead with")
        precondition(aheadCount == 0, "RenderedBatch: a batch is already rendered ahead")
        tracker.lendFinalized(upTo: count, into: &ahead.connections, holding: &ahead.slots)
        aheadCount = ahead.connections.count
        ahead.unclaimAll()
        aheadStarted = aheadCount >= RenderedBatch.shared
        if aheadStarted {
            second.start(ahead)
        } else {
            ahead.deliverPending()
        }
    }

    /// Ends the batch in flight, if any: renders here, from its end, what the second core has not taken of it
    /// yet (the second core goes on meanwhile), waits for the second core, counts the connections into `totals`
    /// after those counted there before, and gives their buffers and slots back to `tracker`. Their outputs
    /// wait, to be delivered in the batch's order when the next batch starts (on the second core) or by
    /// `deliverPending`. Returns how many there were.
    mutating func completeAhead(into totals: inout FindingTotals, tracker: inout Tracker) -> Int {
        let count = aheadCount
        guard count > 0 else { return 0 }
        ahead.takeTheRest()
        if aheadStarted { second.wait() }
        // (The second core's part first: the front of the batch.)
        totals.append(ahead.front.totals)
        totals.append(ahead.rest.totals)
        tracker.absorb(&ahead.front.buffers)
        tracker.absorb(&ahead.rest.buffers)
        tracker.release(slots: ahead.slots)
        ahead.keepOutputs()
        aheadCount = 0
        aheadStarted = false
        return count
    }

    /// With nothing in flight: the outputs of the batch completed last, if they still wait, to `deliver`, here.
    /// Before the caller reaches what `deliver` changes (the sink), and before `stopRenderingAhead`.
    mutating func deliverPending() {
        precondition(aheadCount == 0, "RenderedBatch: a batch rendered ahead is not completed")
        ahead.deliverPending()
    }
}

/// One part of a batch's output: each connection's bytes one after another, where each one's end, its id,
/// their counts and their recycled buffers.
struct RenderedPart {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var ids: [Int] = []
    var totals = FindingTotals()
    /// The buffers of the connections recycled (finalized ones), for the tracker (`Tracker.absorb`).
    var buffers = BufferPool(limit: .max)

    /// Empty again, keeping the storage.
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        totals.removeAll()
    }

    /// Takes the connection out of its cell, raises its end-of-capture findings with `verdicts`, renders it,
    /// counts it, and with `recycling` keeps its buffers.
    /// (`backwards`: the part is taken from its end, each connection counted as coming before the last.)
    @inline(__always)
    mutating func take(
        _ lent: LentConnection, verdicts: TrackerOptions?, recycling: Bool, backwards: Bool = false,
        render: (Connection, inout [UInt8]) -> Void
    ) {
        var c = lent.take()
        if let verdicts { c.finish(options: verdicts) }
        render(c, &bytes)
        ends.append(bytes.count)
        ids.append(c.id)
        if backwards { totals.add(earlier: c) } else { totals.add(c) }
        if recycling { buffers.reclaim(&c) }
    }

    /// One more connection's output, rendered elsewhere (its counts and buffers stay there).
    mutating func append(_ id: Int, _ output: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: output)
        ends.append(bytes.count)
        ids.append(id)
    }

    /// Each connection's id and output, last taken first.
    func forEachBackwards(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { raw in
            for k in ids.indices.reversed() {
                body(ids[k], UnsafeRawBufferPointer(rebasing: raw[(k == 0 ? 0 : ends[k - 1])..<ends[k]]))
            }
        }
    }

    /// Each connection's id and output, in order.
    func forEach(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { raw in
            var start = 0
            for (id, end) in zip(ids, ends) {
                body(id, UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                start = end
            }
        }
    }
}

/// A batch of finalized connections rendered on the second core while the tracking thread goes on tracking
/// (`RenderedBatch.startAhead`). The second core takes the connections from the front of the batch, one at a
/// time. The tracking thread completes the batch (`RenderedBatch.completeAhead`) once the second core is done,
/// or before that when it needs the batch done: too many finalized connections wait behind it
/// (`StreamingRun.finalizedBacklog`), connections were dropped, or the trace is over. It then takes the
/// connections the second core has not taken from the back meanwhile, until the two meet. The second core's part
/// is then a front of the batch and the tracking thread's the rest, rendered backwards: its outputs go out in
/// reverse (`RenderedPart.forEachBackwards`) and are counted as coming before one another
/// (`FindingTotals.add(earlier:)`), so that the outputs and the counts are the batch's, in its order. When the
/// second core keeps up, the tracking thread renders none of them.
///
/// A class, so that the second core reaches it at an address that does not move. Each field is changed by one
/// thread at a time: the batch's connections, slots, `render`, `deliver` and the outputs kept for delivery
/// (`pending`) by the tracking thread while nothing is in flight; `front` and `pending` (and the sink, through
/// `deliver`) by the second core while in flight; `rest` by the tracking thread. What the two threads write
/// while a batch is in flight (the claims, the second core's part, the outputs it delivers and its `finished`,
/// the tracking thread's part) lies a cache line apart (`CacheLineGap`), so that neither thread's writes move a
/// line the other is reading: the tracking thread reads `finished` after every segment that leaves finalized
/// connections, while the second core writes its part's counts once a connection. (Alternating runs could not
/// tell the two layouts apart: mix-100k jsonl medians 0.850 s without the gaps, 0.865 s with them, json 1.158 s
/// and 1.060 s, 7 and 5 runs.)
final class RenderingAhead: HalfJob, @unchecked Sendable {
    /// The sink's `render` and `add(rendered:id:)` (`RenderedBatch.renderAhead(with:deliver:)`).
    var render: ((Connection, inout [UInt8]) -> Void)?
    var deliver: ((Int, UnsafeRawBufferPointer) -> Void)?
    /// The batch, and the slots of its connections (freed when it is done: `Tracker.release(slots:)`).
    var connections: [LentConnection] = []
    var slots: [Int] = []
    private var gap1 = CacheLineGap()
    /// The connections not yet taken: from the low 32 bits (the front) up to the high 32 bits (the back).
    let unclaimed = Atomic<UInt64>(0)
    private var gap2 = CacheLineGap()
    /// Set by the second core when its part is done (`RenderedBatch.aheadIsDone`).
    let finished = Atomic<Bool>(false)
    private var gap3 = CacheLineGap()
    /// The second core's part (the front of the batch) and the tracking thread's (the rest, backwards).
    var front = RenderedPart()
    /// The outputs of the batch completed before, in its order, if any (`hasPending`): they go to `deliver`
    /// before anything of the next batch is rendered on the second core. Written by the tracking thread with nothing in
    /// flight (`keepOutputs`), and by the second core, which delivers and empties them, in flight.
    private var pending = RenderedPart()
    /// (A completed batch has at least one connection: `completeAhead` keeps none of an empty one.)
    var hasPending: Bool { !pending.ids.isEmpty }
    private var gap4 = CacheLineGap()
    var rest = RenderedPart()

    /// Every connection of the batch unclaimed (before starting it).
    func unclaimAll() {
        unclaimed.store(UInt64(connections.count) << 32, ordering: .relaxed)
        finished.store(false, ordering: .relaxed)
    }

    /// The second core's part: first the outputs of the batch before to the sink (`deliverPending`), then
    /// connections from the front of this one. The sink's copying of outputs (into the first-frame order's spool
    /// and its file, then the output) is then on this core rather than the tracking thread's, where it was 13 %
    /// of the samples on short-50k as jsonl (docs/performance.md, session 20). The tracking thread may render
    /// from the back meanwhile (`render` reads nothing `deliver` changes).
    func run(half: Int) {
        defer { finished.store(true, ordering: .releasing) }
        deliverPending()
        guard let render else { return }
        while let i = claim(fromBack: false) {
            front.take(connections[i], verdicts: nil, recycling: true, render: render)
        }
    }

    /// The batch just completed: its outputs wait for `deliverPending`, and its parts are empty for the next.
    /// (The tracking thread's part, when it took one, is copied after the second core's, in order: a fourth
    /// buffer of a batch's outputs, swapped like the front, was 1 MB more at the peak on many-1M.)
    func keepOutputs() {
        precondition(!hasPending, "RenderingAhead: the outputs of the batch before are not delivered")
        swap(&front, &pending)
        rest.forEachBackwards { id, bytes in pending.append(id, bytes) }
        connections.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        front.reset()
        rest.reset()
    }

    /// The outputs waiting, if any, to `deliver`, in order.
    func deliverPending() {
        guard hasPending else { return }
        guard let deliver else { preconditionFailure("RenderingAhead: outputs to deliver and nowhere to") }
        pending.forEach(deliver)
        pending.reset()
    }

    /// On the tracking thread: connections from the back, until none is left.
    func takeTheRest() {
        guard let render else { return }
        while let i = claim(fromBack: true) {
            rest.take(connections[i], verdicts: nil, recycling: true, backwards: true, render: render)
        }
    }

    /// The first (or last) connection not yet taken, now taken; nil when none is left.
    private func claim(fromBack: Bool) -> Int? {
        var state = unclaimed.load(ordering: .relaxed)
        while true {
            let first = Int(truncatingIfNeeded: state & 0xffff_ffff), end = Int(truncatingIfNeeded: state >> 32)
            guard first < end else { return nil }
            let claimed = fromBack ? state &- (1 << 32) : state &+ 1
            let (exchanged, current) = unclaimed.compareExchange(
                expected: state, desired: claimed, ordering: .relaxed)
            if exchanged { return fromBack ? end - 1 : first }
            state = current
        }
    }
}

/// 64 bytes of nothing between fields two threads write (`RenderingAhead`).
private struct CacheLineGap {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
