/// Runs capture → decode → track over one or more files read as one continuous trace: whole (batch: every
/// connection kept, in the returned analysis) or streaming (each connection goes to a sink as soon as nothing
/// more can change it, so memory does not grow with the length of the trace).
public enum Analyzer {
    /// Analyses `paths` (`-` is standard input and must be alone). Files are ordered by their first
    /// timestamp; frame numbers run on across files.
    /// - Throws: `CaptureError` for a missing, unreadable or non-capture file, or an unsupported link type.
    ///   A file damaged part-way is not an error: its packets up to the damage are analysed and the summary
    ///   says so.
    public static func analyze(
        paths: [String], options: AnalysisOptions = AnalysisOptions()
    )
        throws(CaptureError) -> Analysis
    {
        var summary = CaptureSummary()
        var tracker = Tracker(options: options.tracker)
        let ordered = try TraceReader.order(paths, summary: &summary)
        var frame = 0
        for path in ordered {
            let capture = try CaptureFile(path: path)
            TraceReader.read(
                capture, path: path, frame: &frame, summary: &summary,
                settings: options.readSettings(tunnels: tracker.tunnels)
            ) {
                tracker.ingest($0, frame: $1, time: $2)
            }
        }
        return Analysis(input: summary, tracker: &tracker, options: options)
    }

    /// Whether `paths` is a stream that arrives as it is written: standard input or a named file that is a pipe,
    /// a FIFO, a socket or a terminal (standard input redirected from a regular file is a file). Streaming
    /// analysis of a stream tracks segments as they arrive, finalizes what is due by the wall clock while the
    /// input is quiet, and tells the caller when to flush (`AnalysisOptions.caughtUp`); the CLI writes such
    /// an input's connections as they finish by default.
    public static func isStream(_ paths: [String]) -> Bool { TraceReader.isStream(paths) }

    /// Streaming analysis (`StreamingRun`) into a sink that writes a format: connections in first-frame order
    /// (`AnalysisOptions.order`: `FirstFrameOrder` wraps the sink, holding back the output of connections
    /// waiting for an older one, in memory up to `AnalysisOptions.spoolMemory` bytes, beyond it in a
    /// temporary file), or with `.finish` as connections end. The returned analysis has no `connections`,
    /// only totals. Errors as `analyze(paths:options:)`.
    public static func analyze<Sink: RenderingSink & ~Copyable>(
        paths: [String], options: AnalysisOptions,
        into sink: consuming Sink
    ) throws(CaptureError)
        -> Analysis
    {
        switch options.order {
        case .firstFrame:
            var ordered = FirstFrameOrder(sink, memoryBudget: options.spoolMemory)
            return try stream(paths: paths, options: options, into: &ordered)
        case .finish:
            var sink = sink
            return try stream(paths: paths, options: options, into: &sink)
        }
    }

    /// Streaming analysis into `sink` as it is: it gets connections in the order they finish (unless it
    /// orders them itself, as `FirstFrameOrder` does).
    public static func stream<Sink: ConnectionSink & ~Copyable>(
        paths: [String], options: AnalysisOptions,
        into sink: inout Sink
    ) throws(CaptureError)
        -> Analysis
    {
        var run = try StreamingRun(paths: paths, options: options)
        sink.begin(options)
        run.startReader()
        run.track(into: &sink)
        return try run.finish(into: &sink)
    }

    /// Analyses a capture held in memory, through the same read → decode → track path as a file.
    public static func analyze(
        bytes: [UInt8], name: String = "<memory>", options: AnalysisOptions = AnalysisOptions()
    )
        throws(CaptureError) -> Analysis
    {
        var summary = CaptureSummary()
        var tracker = Tracker(options: options.tracker)
        var frame = 0
        let failure: CaptureError? = bytes.withUnsafeBytes { raw -> CaptureError? in
            do throws(CaptureError) {
                let capture = try CaptureFile(bytes: raw, name: name)
                TraceReader.read(
                    capture, path: name, frame: &frame, summary: &summary,
                    settings: options.readSettings(tunnels: tracker.tunnels)
                ) {
                    tracker.ingest($0, frame: $1, time: $2)
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return Analysis(input: summary, tracker: &tracker, options: options)
    }
}
