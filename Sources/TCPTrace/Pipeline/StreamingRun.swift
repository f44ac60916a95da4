import Foundation

/// One streaming analysis, on two threads: a reader thread of its own reads and decodes the capture and
/// sends the segments in batches (`SegmentChannel`); the calling thread tracks connections from them and, as
/// capture time passes, the tracker finalizes connections nothing more can change, and each goes to the sink
/// at once (`Tracker.drainFinalized`). Memory holds the
/// open connections, a compact record per connection inside its TIME_WAIT window, and what the sink holds
/// back.
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
    /// Segments tracked, and the tracker's sweep count when progress was last reported.
    private var segments = 0
    private var sweepsReported = 0
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
    }

    /// Starts the reader thread. It closes the channel with the capture summary, and with the error that
    /// stopped it if one did (a file that could no longer be opened).
    func startReader() {
        let files = self.files, start = self.start, channel = self.channel
        let settings = options.readSettings(tunnels: tracker.tunnels)
        let reader = Thread { StreamingRun.read(files, from: start, settings: settings, into: channel) }
        reader.stackSize = 1 << 22
        reader.start()
    }

    /// Tracks every segment the reader sends, passing finalized connections on as the tracker finalizes
    /// them, until the reader is done.
    mutating func track<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) {
        var segment = Segment.empty
        while let (batch, read) = channel.receive() {
            bytesRead = read
            for i in 0..<batch.count {
                let (frame, now) = batch.unpack(i, into: &segment)
                tracker.ingest(segment, frame: frame, time: now)
                segments += 1
                if tracker.hasFinalized { passOnFinalized(to: &sink) }
                if tracker.sweeps != sweepsReported { reportProgress(to: &sink) }
            }
            channel.recycle(batch)
        }
    }

    /// Once the reader is done: every connection still held goes to the sink, which then writes what it held
    /// back and its end. The analysis returned has no `connections`, only totals, and the notes and warnings
    /// of the run.
    /// - Throws: the error that stopped the reader.
    mutating func finish<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) throws(CaptureError) -> Analysis {
        let (summary, failure) = channel.waitForOutcome()
        if let failure { throw failure }
        passOnDropped(to: &sink)
        let selection = options.selection
        tracker.finish { c in StreamingRun.pass(c, selection, &totals, &hosts, to: &sink) }
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

    /// Hands the sink every connection the tracker finalized since the last look.
    private mutating func passOnFinalized<Sink: ConnectionSink & ~Copyable>(to sink: inout Sink) {
        // (Sinks render a connection and keep nothing of it: its buffers are recycled.)
        let selection = options.selection
        tracker.drainFinalized(recycling: true) { c in StreamingRun.pass(c, selection, &totals, &hosts, to: &sink) }
    }

    /// One finished connection: into the host view (which sees every connection), then counted and given to the
    /// sink as the selection shows it, or skipped.
    @inline(__always)
    private static func pass<Sink: ConnectionSink & ~Copyable>(
        _ c: Connection, _ selection: ConnectionSelection, _ totals: inout FindingTotals,
        _ hosts: inout HostAccumulator?, to sink: inout Sink
    ) {
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
        guard selection.selects(c) else {
            totals.addUnselected()
            sink.skip(c.id)
            return
        }
        totals.judge(c)
        let shown = selection.shown(c)
        totals.add(shown: shown)
        sink.add(shown)
    }

    /// After each of the tracker's sweeps: reports progress and passes on the connections dropped to bound
    /// memory.
    private mutating func reportProgress<Sink: ConnectionSink & ~Copyable>(to sink: inout Sink) {
        sweepsReported = tracker.sweeps
        options.progress?(
            AnalysisProgress(
                segments: segments, connections: tracker.liveConnections,
                bytesRead: bytesRead, totalBytes: totalBytes))
        passOnDropped(to: &sink)
    }

    /// Tells the sink which connections were dropped to bound memory since the last look.
    private mutating func passOnDropped<Sink: ConnectionSink & ~Copyable>(to sink: inout Sink) {
        for id in tracker.drainDropped() { sink.skip(id) }
    }
}
