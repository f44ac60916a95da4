import Foundation

/// One streaming analysis, on two threads: a reader thread of its own reads and decodes the capture and
/// sends the segments in batches (`SegmentChannel`); the calling thread tracks connections from them and, as
/// capture time passes, sweeps: every connection nothing more can change goes to the sink. Memory holds the
/// open connections, a compact record per connection inside its TIME_WAIT window, and what the sink holds
/// back.
///
/// The steps, in order: `init` (orders the files; a bad one is reported before any output), `startReader`,
/// `track`, `finish`.
struct StreamingRun: ~Copyable {
    /// Nanoseconds of capture time between two sweeps (0.1 s).
    static let sweepInterval: UInt64 = 100_000_000

    private let options: AnalysisOptions
    /// The files in reading order, and the summary as ordering them left it (the reader goes on from it).
    private let files: [String]
    private let start: CaptureSummary
    private let channel = SegmentChannel()
    private var tracker: Tracker
    /// Connection and finding counts over every finished connection, and the host view built from them.
    private var totals = FindingTotals()
    private var hosts: HostAccumulator?
    /// Segments tracked, in all and at the last sweep, and the capture time of the last sweep.
    private var segments = 0
    private var segmentsAtSweep = 0
    private var lastSweep: Timestamp?
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
        let reader = Thread { StreamingRun.read(files, from: start, into: channel) }
        reader.stackSize = 1 << 22
        reader.start()
    }

    /// Tracks every segment the reader sends, sweeping as capture time passes, until the reader is done.
    mutating func track<Sink: ConnectionSink & ~Copyable>(into sink: inout Sink) {
        var segment = Segment.empty
        while let (batch, read) = channel.receive() {
            bytesRead = read
            for i in 0..<batch.count {
                let (frame, now) = batch.unpack(i, into: &segment)
                tracker.ingest(segment, frame: frame, time: now)
                segments += 1
                if sweepIsDue(at: now) { sweep(at: now, into: &sink) }
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
        tracker.finish { c in
            totals.add(c)
            hosts?.add(c)
            sink.add(c)
        }
        var analysis = Analysis(
            input: summary, connections: [], options: options,
            evictedHalfOpen: tracker.evictedHalfOpen, evictedOther: tracker.evictedOther)
        if tracker.lateSegments > 0 {
            analysis.input.notes.append(Tracker.lateSegmentsNote(tracker.lateSegments))
        }
        sink.endConnections(&analysis.input)
        analysis.totals = totals
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
    private static func read(_ files: [String], from start: CaptureSummary, into channel: SegmentChannel) {
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
                TraceReader.read(capture, path: path, frame: &frame, summary: &summary) { segment, frame, time in
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

    /// Up to ten times per second of capture time (a connection waits for the sweep after its linger:
    /// sweeping often keeps fewer of them whole). A sweep visits every connection, so with many held it waits
    /// for a quarter as many segments (at most 1 s).
    @inline(__always)
    private func sweepIsDue(at now: Timestamp) -> Bool {
        guard let last = lastSweep else { return true }
        // (In integer nanoseconds: this runs for every segment.)
        let elapsed = (now.nanoseconds &- last.nanoseconds).magnitude
        if elapsed < StreamingRun.sweepInterval { return false }
        return elapsed >= 1_000_000_000 || (segments - segmentsAtSweep) * 4 >= tracker.liveConnections
    }

    /// Reports progress, and hands the sink every connection that can no longer change.
    private mutating func sweep<Sink: ConnectionSink & ~Copyable>(at now: Timestamp, into sink: inout Sink) {
        segmentsAtSweep = segments
        options.progress?(
            AnalysisProgress(
                segments: segments, connections: tracker.liveConnections,
                bytesRead: bytesRead, totalBytes: totalBytes))
        lastSweep = now
        tracker.expire(now: now, idleTimeout: options.idleTimeout) { c in
            totals.add(c)
            hosts?.add(c)
            sink.add(c)
        }
        passOnDropped(to: &sink)
    }

    /// Tells the sink which connections were dropped to bound memory since the last look.
    private mutating func passOnDropped<Sink: ConnectionSink & ~Copyable>(to sink: inout Sink) {
        for id in tracker.drainDropped() { sink.skip(id) }
    }
}
