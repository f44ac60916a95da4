import Foundation

/// One streaming analysis, on two threads: a reader thread of its own reads and decodes the capture and
/// sends the segments in batches (`SegmentChannel`); the calling thread tracks connections from them and, as
/// capture time passes, the tracker finalizes connections nothing more can change, and each goes to the sink
/// at once (`Tracker.drainFinalized`), or, into a JSON sink reading a file, every 256 in a batch rendered on
/// the second core while tracking goes on (`renderFinalized`, `RenderingAhead`). Memory holds the open
/// connections, a compact record per connection inside its TIME_WAIT window, the finalized connections waiting
/// for a batch or in the batch being rendered (at most `finalizedBacklog` and `finalizedBatch`), and what the
/// sink holds back.
///
/// A stream (standard input or a named file that is a pipe, a FIFO, a socket or a terminal:
/// `TraceReader.isStream`; docs/live.md, "Reading a pipe") is tracked as it arrives: the reader hands over each
/// segment at once (`SegmentChannel.sendArriving`), the tracker takes what has arrived after a tenth of a
/// second without a full batch, and while the input is quiet a wall-clock tick moves the tracker's clock on
/// (`trackArriving`), so that a connection is finalized and written when it is due even if no packet follows
/// it. A file is read a full batch at a time and its results depend on its packets alone.
///
/// The steps, in order: `init` (orders the files; a bad one is reported before any output), `startReader`,
/// `track`, `finish`.
struct StreamingRun: ~Copyable {
    private let options: AnalysisOptions
    /// The files in reading order, and the summary as ordering them left it (the reader goes on from it).
    private let files: [String]
    private let start: CaptureSummary
    private let channel = SegmentChannel()
    private var tracker: Tracker
    /// Connection and finding counts over every finished connection, and the host view built from them.
    private var totals = FindingTotals()
    private var hosts: HostAccumulator?
    /// Segments tracked, and the tracker's sweep count when dropped connections were last passed on.
    private var segments = 0
    private var sweepsReported = 0
    /// Connections finalized (passed to the sink or skipped by the selection) and dropped to bound memory so far.
    private var connectionsDone = 0
    /// The input is a stream (`TraceReader.isStream`): tracked as it arrives, with a wall-clock tick.
    private let isStream: Bool
    /// Finalized connections wait for a batch, rendered on the second core (`renderFinalized`), when the sink
    /// `rendersApart` and `rendersInBatches`: not for a stream (each connection is written as soon as it is
    /// final), a selection or the host view (which see each connection on this thread).
    private let inBatches: Bool
    /// The batch being rendered (lent by the tracker), and its outputs (kept with their capacity).
    private var lent: [LentConnection] = []
    private var rendered = RenderedBatch()
    /// Input bytes read so far (all files), and their total size (0 when unknown), for the progress line.
    private var bytesRead: Int64 = 0
    private let totalBytes: Int64

    /// - Throws: `CaptureError` when `-` is not alone or a file cannot be opened as a capture.
    init(paths: [String], options: AnalysisOptions) throws(CaptureError) {
        var start = CaptureSummary()
        files = try TraceReader.order(paths, summary: &start)
        self.start = start
        self.options = options
        tracker = Tracker(options: options.tracker)
        hosts = options.hosts.map { HostAccumulator(options: $0) }
        totalBytes = TraceReader.totalSize(of: files)
        isStream = TraceReader.isStream(files)
        inBatches = !isStream && !options.selection.isActive && options.hosts == nil
    }

    /// Starts the reader thread. It closes the channel with the capture summary, and with the error that
    /// stopped it if one did (a file that could no longer be opened).
    func startReader() {
        let files = self.files, start = self.start, channel = self.channel
        let settings = options.readSettings(tunnels: tracker.tunnels)
        let reader =
            isStream
            ? Thread { StreamingRun.readArriving(files[0], from: start, settings: settings, into: channel) }
            : Thread { StreamingRun.read(files, from: start, settings: settings, into: channel) }
        reader.stackSize = 1 << 22
        reader.start()
    }

    /// Tracks every segment the reader sends, passing finalized connections on as the tracker finalizes
    /// them, until the reader is done.
    ///
    /// The sink is reached through its address from here on, each use a short access: while tracking goes on,
    /// the second core reaches it at the same address (`renderAhead`), so no `inout` access to it may stay open
    /// across the tracking loop.
    mutating func track<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) {
        withUnsafeMutablePointer(to: &sink) { sink in
            if isStream { return trackArriving(into: sink) }
            guard batchesFinalized(for: Sink.self) else { return trackFile(into: sink) }
            // Batches of finalized connections are rendered on the second core while tracking goes on
            // (`renderFinalized`), and their outputs mostly handed to the sink there too: it calls the sink's
            // `render` and `add(rendered:id:)` at this address, which stays valid until the last of them is done,
            // below. This thread reaches the sink only with nothing in flight and nothing waiting to be delivered.
            rendered.renderAhead(
                with: { connection, bytes in sink.pointee.render(connection, into: &bytes) },
                deliver: { id, bytes in sink.pointee.add(rendered: bytes, id: id) })
            trackFile(into: sink)
            completeAhead()
            rendered.deliverPending()
            rendered.stopRenderingAhead()
        }
    }

    /// `track` for a file.
    private mutating func trackFile<Sink: ConnectionSink & ~Copyable>(into sink: UnsafeMutablePointer<Sink>) {
        var segment = Segment.empty
        while let batch = channel.receive() {
            // (Two loops: a plain capture's batches skip the tunnel and interface fields,
            // `SegmentBatch.unpackPlain`.)
            if batch.hasExtended {
                for i in 0..<batch.count {
                    let (frame, now) = batch.unpack(i, into: &segment)
                    take(segment, frame: frame, time: now, into: sink)
                }
            } else {
                SegmentBatch.clearExtendedFields(of: &segment)
                for i in 0..<batch.count {
                    let (frame, now) = batch.unpackPlain(i, into: &segment)
                    take(segment, frame: frame, time: now, into: sink)
                }
            }
            segments += batch.count
            bytesRead = batch.bytesRead
            channel.recycle(batch)
            reportProgress()
        }
    }

    /// One segment tracked, and what it finalized or dropped passed on.
    @inline(__always)
    private mutating func take<Sink: ConnectionSink & ~Copyable>(
        _ segment: borrowing Segment, frame: Int, time: Timestamp, into sink: UnsafeMutablePointer<Sink>
    ) {
        tracker.ingest(segment, frame: frame, time: time)
        if tracker.hasFinalized { passOnFinalized(to: sink) }
        if tracker.sweeps != sweepsReported { passOnDropped(to: sink) }
    }

    /// `track` for a stream: segments are tracked as they arrive (a batch part-filled after a tenth of a second
    /// without a full one), the caller is told after each batch that what is final has gone to the sink
    /// (`AnalysisOptions.caughtUp`), and once no segment has arrived for a second, every second, the tracker's
    /// clock moves to the last segment's capture time plus the wall-clock time since it arrived: a connection
    /// in TIME_WAIT, closed or idle is then finalized when it is due, as a packet at that time would finalize
    /// it, though no packet follows (`tick`). (Results then depend on when packets arrive, as they do live.)
    private mutating func trackArriving<Sink: ConnectionSink & ~Copyable>(into sink: UnsafeMutablePointer<Sink>) {
        var segment = Segment.empty
        var lastTime: Timestamp?
        let clock = ContinuousClock()
        var arrived = clock.now  // when the last batch came
        var ticked = arrived
        while true {
            switch channel.receive(waitingAtMost: StreamingRun.takeAfter) {
            case .batch(let batch):
                for i in 0..<batch.count {
                    let (frame, now) = batch.unpack(i, into: &segment)
                    take(segment, frame: frame, time: now, into: sink)
                    lastTime = now
                }
                segments += batch.count
                bytesRead = batch.bytesRead
                channel.recycle(batch)
                arrived = clock.now
                ticked = arrived
                reportProgress()
                options.caughtUp?()
            case .quiet:
                let now = clock.now
                guard let lastTime, now - ticked >= StreamingRun.tickInterval else { continue }
                ticked = now
                let quiet = (now - arrived).components
                let elapsed = quiet.seconds * 1_000_000_000 + quiet.attoseconds / 1_000_000_000
                tick(to: Timestamp(nanoseconds: lastTime.nanoseconds &+ elapsed), into: sink)
            case .closed:
                return
            }
        }
    }

    /// Seconds a stream's tracker waits for a full batch before it takes what has arrived.
    static let takeAfter = 0.1
    /// Wall-clock time without a segment after which, and between two of which, a stream's tracker ticks.
    static let tickInterval = Duration.seconds(1)

    /// A stream is quiet: moves the tracker's clock to `now`, passes on what that finalizes and what was
    /// dropped, and tells the caller.
    private mutating func tick<Sink: ConnectionSink & ~Copyable>(
        to now: Timestamp, into sink: UnsafeMutablePointer<Sink>
    ) {
        let selection = options.selection
        // (At most once a second, and only while the stream is quiet: the array is no per-packet cost.)
        for c in tracker.expire(now: now) {
            StreamingRun.pass(c, selection, &totals, &hosts, &connectionsDone, to: &sink.pointee)
        }
        passOnDropped(to: sink)
        reportProgress()
        options.caughtUp?()
    }

    /// Once the reader is done: every connection still held goes to the sink, which then writes what it held
    /// back and its end. The analysis returned has no `connections`, only totals, and the notes and warnings
    /// of the run.
    /// - Throws: the error that stopped the reader.
    mutating func finish<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) throws(CaptureError) -> Analysis {
        let (summary, failure) = channel.waitForOutcome()
        if let failure {
            // What was final still goes to the sink first, as it did when each connection went at once.
            withUnsafeMutablePointer(to: &sink) { passOnAllFinalized(to: $0) }
            throw failure
        }
        withUnsafeMutablePointer(to: &sink) { passOnDropped(to: $0) }
        let selection = options.selection
        if Sink.rendersApart && !selection.isActive && hosts == nil {
            finishOnBothCores(into: &sink)
        } else {
            tracker.finish { c in StreamingRun.pass(c, selection, &totals, &hosts, &connectionsDone, to: &sink) }
        }
        var analysis = Analysis(
            input: summary, connections: [], options: options,
            evictedHalfOpen: tracker.evictedHalfOpen, evictedOther: tracker.evictedOther)
        if let note = tracker.lateSegmentsNote {
            analysis.input.notes.append(note)
        }
        analysis.totals = totals
        analysis.addBackwardSampleNote()
        sink.endConnections(&analysis.input)
        analysis.addEvictionWarnings()
        if let hosts {
            analysis.attach(hosts.finish(captureEnd: analysis.input.lastTime ?? Timestamp(nanoseconds: 0)))
        }
        sink.end(analysis)
        return analysis
    }

    /// Connections at a time `finishOnBothCores` finishes and renders. (Measured while the counting was still on this
    /// thread, the end of short-50k, 29,085 connections, as jsonl: 0.111 s in batches of 64, 0.092 s of 256,
    /// 0.089-0.096 s of 1,024, 0.106 s of 4,096, against 0.131-0.135 s on one thread; as text 0.040, 0.027,
    /// 0.023-0.024, 0.024-0.026 s against 0.020-0.023 s. Each batch wakes the other thread once; its output is held
    /// whole until written.)
    static let finishBatch = 1024

    /// `finish` for a sink that `rendersApart`, without a selection or the host view: the connections still
    /// held are finished, rendered, counted and let go `finishBatch` at a time on both cores where they lie
    /// (`Tracker.lendOpen`, `RenderedBatch`), the reader's core being idle by now; then, on this thread and in
    /// order, each one's output goes to the sink.
    private mutating func finishOnBothCores<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) {
        // (Those finalized earlier first, already with their verdicts.)
        withUnsafeMutablePointer(to: &sink) { passOnAllFinalized(to: $0) }
        let verdicts = tracker.options
        while tracker.lendOpen(upTo: StreamingRun.finishBatch, into: &lent) > 0 {
            renderLent(verdicts: verdicts, recycling: false, into: &sink)
        }
        tracker.finish { _ in }  // (nothing is left to give: it resets the tracker)
    }

    /// Whether finalized connections wait for a batch for this sink (`inBatches`, and a sink that
    /// `rendersApart` and `rendersInBatches`).
    private func batchesFinalized<Sink: ConnectionSink & ~Copyable>(for sink: Sink.Type) -> Bool {
        Sink.rendersApart && Sink.rendersInBatches && inBatches
    }

    /// Every finalized connection the sink has not had yet, to it now: those waiting for a batch (the last
    /// batch as small as it must be), or those not yet drained.
    private mutating func passOnAllFinalized<Sink: ConnectionSink & ~Copyable>(to sink: UnsafeMutablePointer<Sink>) {
        guard batchesFinalized(for: Sink.self) else { return passOnFinalized(to: sink) }
        while tracker.hasFinalized { renderFinalized(into: sink) }
        completeAhead()
        rendered.deliverPending()
    }

    /// Finalized connections at a time `renderFinalized` renders during the trace. (short-50k as jsonl, 11
    /// alternating runs each, p25 and median: 0.417 and 0.468 s in batches of 32, 0.397 and 0.421 s of 64,
    /// 0.384 and 0.414 s of 256, 0.380 and 0.436 s of 1,024, 0.401 and 0.458 s of 4,096, against 0.470 and
    /// 0.472 s with none rendered before the end; measured with Dispatch's threads before `SecondCore`.)
    static let finalizedBatch = 256

    /// The oldest `finalizedBatch` connections finalized (or fewer), rendered and counted on both cores
    /// (`RenderedBatch`), their outputs to the sink in the order they were finalized, their buffers back to the
    /// tracker. While `track` runs, the batch in flight is completed first (its outputs wait for the next batch's
    /// start, `RenderedBatch.completeAhead`) and this one goes to the second core while tracking goes on
    /// (`RenderedBatch.startAhead`), which first writes the outputs waiting.
    private mutating func renderFinalized<Sink: ConnectionSink & ~Copyable>(into sink: UnsafeMutablePointer<Sink>) {
        if rendered.rendersAhead {
            completeAhead()
            rendered.startAhead(lendingFrom: &tracker, upTo: StreamingRun.finalizedBatch)
            return
        }
        tracker.lendFinalized(upTo: StreamingRun.finalizedBatch, into: &lent)
        renderLent(verdicts: nil, recycling: true, into: &sink.pointee)
        rendered.giveBuffers(to: &tracker)
    }

    /// Finalized connections that may wait behind the batch in flight before the tracking thread stops to help
    /// finish it (`renderAhead`). A sweep can finalize thousands at once (about 4,500 on the benchmark's
    /// mix-100k), which the second core can render during the next tenth of a second of capture if they may
    /// wait; but each one waiting holds its cell (2.3 kB). mix-100k as jsonl, 9 alternating runs, median: 0.910 s
    /// before, 0.843 s waiting up to 2,048, 0.793 s up to 3,072; peak RSS on many-1M 142.7 MB, 148.7 MB and
    /// 151.1 MB (the bound is 150 MB). Waiting up to 1,024 was no faster than before.
    static let finalizedBacklog = 8 * finalizedBatch

    /// During `track`, after a segment that left finalized connections: the batch in flight is completed once
    /// the second core is done with it, or once `finalizedBacklog` connections wait behind it (the tracking
    /// thread then helps, from the batch's end); then the next batch starts once `finalizedBatch` wait.
    /// (Completing each batch as soon as the next was ready left the second core little to do after a sweep:
    /// the tracking thread rendered most of them, and mix-100k as jsonl took 1.04 s against 0.96 s.)
    private mutating func renderAhead() {
        if rendered.aheadCount > 0 {
            guard rendered.aheadIsDone || tracker.finalizedCount >= StreamingRun.finalizedBacklog else { return }
            completeAhead()
        }
        if tracker.finalizedCount >= StreamingRun.finalizedBatch {
            rendered.startAhead(lendingFrom: &tracker, upTo: StreamingRun.finalizedBatch)
        }
    }

    /// The batch rendered ahead, if one is in flight, done: what the second core has not started of it is
    /// rendered here, and its outputs wait to go to the sink in order, on the second core when the next batch
    /// starts, or here (`RenderedBatch.completeAhead`, `RenderedBatch.deliverPending`).
    private mutating func completeAhead() {
        connectionsDone += rendered.completeAhead(into: &totals, tracker: &tracker)
    }

    /// The batch in `lent` finished (with `verdicts`: `RenderedBatch.finish`), rendered and counted on both
    /// cores; each output to the sink in order.
    private mutating func renderLent<Sink: ConnectionSink & ~Copyable>(
        verdicts: TrackerOptions?, recycling: Bool, into sink: inout Sink
    ) {
        rendered.finish(lent, verdicts: verdicts, recycling: recycling, with: sink)
        rendered.forEach { id, bytes in sink.add(rendered: bytes, id: id) }
        rendered.count(into: &totals)
        connectionsDone += lent.count
        lent.removeAll(keepingCapacity: true)
    }

    // MARK: Steps

    /// The reader thread: reads and decodes the files one after the other, packing the segments into batches
    /// and sending each one full.
    private static func read(
        _ files: [String], from start: CaptureSummary, settings: ReadSettings, into channel: SegmentChannel
    ) {
        var summary = start
        var frame = 0
        var batch = channel.emptyBatch()
        var failure: CaptureError?
        var earlierFiles: Int64 = 0  // bytes of the files already read
        for path in files {
            do throws(CaptureError) {
                let capture = try CaptureFile(path: path)
                // The hand-over is written out twice on purpose: a nested function for it captured `batch` in
                // a box and cost 0.08 s on 10 M packets (this is the reader's per-packet path).
                TraceReader.read(
                    capture, path: path, frame: &frame, summary: &summary, settings: settings
                ) { segment, frame, time in
                    // (A frame too far from the batch's first for an offset starts the next batch.)
                    if !batch.append(segment, frame: frame, time: time) {
                        channel.send(batch, bytesRead: earlierFiles + capture.bytesRead)
                        batch = channel.emptyBatch()
                        _ = batch.append(segment, frame: frame, time: time)
                    }
                    if batch.count == SegmentChannel.batchSize {
                        channel.send(batch, bytesRead: earlierFiles + capture.bytesRead)
                        batch = channel.emptyBatch()
                    }
                }
                earlierFiles += capture.bytesRead
            } catch {
                failure = error
                break
            }
        }
        if !batch.isEmpty { channel.send(batch, bytesRead: earlierFiles) }
        channel.close(summary: summary, error: failure)
    }

    /// The reader thread for a stream: reads and decodes it, handing each segment over as it arrives
    /// (`SegmentChannel.sendArriving`).
    private static func readArriving(
        _ path: String, from start: CaptureSummary, settings: ReadSettings, into channel: SegmentChannel
    ) {
        var summary = start
        var frame = 0
        var failure: CaptureError?
        do throws(CaptureError) {
            let capture = try CaptureFile(path: path)
            TraceReader.read(capture, path: path, frame: &frame, summary: &summary, settings: settings) {
                segment, frame, time in
                channel.sendArriving(segment, frame: frame, time: time)
            }
        } catch {
            failure = error
        }
        channel.close(summary: summary, error: failure)
    }

    /// Hands the sink every connection the tracker finalized since the last look; or, in batches
    /// (`inBatches`, a sink that `rendersApart` and `rendersInBatches`), once `finalizedBatch` of them wait: while
    /// `track` runs, rendered ahead (`renderAhead`), the outputs going to the sink, mostly on the second core,
    /// when the next batch starts.
    private mutating func passOnFinalized<Sink: ConnectionSink & ~Copyable>(to sink: UnsafeMutablePointer<Sink>) {
        if batchesFinalized(for: Sink.self) {
            // (Only while `track` runs, which renders ahead for such a sink; after it, `passOnAllFinalized`.)
            tracker.closeReuseWindow()
            return renderAhead()
        }
        // (Sinks render a connection and keep nothing of it: its buffers are recycled.)
        let selection = options.selection
        tracker.drainFinalized(recycling: true) { c in
            StreamingRun.pass(c, selection, &totals, &hosts, &connectionsDone, to: &sink.pointee)
        }
    }

    /// One finished connection: into the host view (which sees every connection), then counted and given to the
    /// sink as the selection shows it, or skipped.
    @inline(__always)
    private static func pass<Sink: ConnectionSink & ~Copyable>(
        _ c: Connection, _ selection: ConnectionSelection, _ totals: inout FindingTotals,
        _ hosts: inout HostAccumulator?, _ done: inout Int, to sink: inout Sink
    ) {
        done += 1
        hosts?.add(c)
        guard selection.isActive else {
            totals.add(c)
            sink.add(c)
            return
        }
        passSelected(c, selection, &totals, to: &sink)
    }

    @inline(never)
    private static func passSelected<Sink: ConnectionSink & ~Copyable>(
        _ c: Connection, _ selection: ConnectionSelection, _ totals: inout FindingTotals, to sink: inout Sink
    ) {
        if let shown = totals.add(c, selection: selection) { sink.add(shown) } else { sink.skip(c.id) }
    }

    /// After each batch (and a stream's ticks): segments tracked, and the input bytes read up to the last of
    /// them, connections seen so far (finalized, dropped, or held in memory: not finished) and those held.
    private func reportProgress() {
        guard let progress = options.progress else { return }
        progress(
            AnalysisProgress(
                segments: segments,
                connections: connectionsDone + tracker.liveConnections + tracker.finalizedCount
                    + rendered.aheadCount,
                unfinished: tracker.liveConnections, bytesRead: bytesRead, totalBytes: totalBytes))
    }

    /// After each of the tracker's sweeps, and at the end: tells the sink which connections were dropped to
    /// bound memory since the last look.
    private mutating func passOnDropped<Sink: ConnectionSink & ~Copyable>(to sink: UnsafeMutablePointer<Sink>) {
        sweepsReported = tracker.sweeps
        let dropped = tracker.drainDropped()
        if !dropped.isEmpty {
            // Finalized connections waiting for a batch came before these drops: the sink gets them first, as
            // it did when each went at once (the spool's decisions, and its note's count, follow that order).
            passOnAllFinalized(to: sink)
        }
        for id in dropped {
            connectionsDone += 1
            sink.pointee.skip(id)
        }
    }
}
