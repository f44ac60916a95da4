import Foundation

/// Runs capture → decode → track over one or more files read as one continuous trace.
public enum Analyzer {
    /// Nanoseconds of capture time between two sweeps of the streaming analysis (0.1 s).
    static let sweepInterval: UInt64 = 100_000_000

    /// Analyses `paths` (`-` is standard input and must be alone). Files are ordered by their first
    /// timestamp; frame numbers run on across files.
    /// - Throws: `CaptureError` for a missing, unreadable or non-capture file, or an unsupported link type.
    ///   A file damaged part-way is not an error: its packets up to the damage are analysed and the summary
    ///   says so.
    public static func analyze(paths: [String], options: AnalysisOptions = AnalysisOptions())
        throws(CaptureError) -> Analysis
    {
        if paths.count > 1 && paths.contains("-") { throw .standardInputWithOtherFiles }
        var summary = CaptureSummary()
        var tracker = Tracker(options: options.tracker)
        let ordered = try order(paths, summary: &summary)
        var frame = 0
        for path in ordered {
            let capture = try CaptureFile(path: path)
            read(capture, path: path, frame: &frame, summary: &summary) { tracker.ingest($0, frame: $1, time: $2) }
        }
        return Analysis(input: summary, tracker: &tracker, options: options)
    }

    /// Streaming analysis on two threads: one reads and decodes the capture, the calling thread tracks
    /// connections. Each connection goes to `finalize` as soon as nothing more can change it (in the order
    /// connections end), which renders it into the buffer; `emit` then receives each connection's rendered
    /// bytes, once per connection, by first frame (`AnalysisOptions.order`), or at once with `.finish`.
    /// Memory holds the open connections, a compact record per connection inside its TIME_WAIT window, and
    /// the rendered output of connections waiting for an older one (in memory up to
    /// `AnalysisOptions.spoolMemory` bytes, 4 MiB by default, beyond it in a temporary file). The returned
    /// analysis has no `connections`, only totals.
    public static func analyze(paths: [String], options: AnalysisOptions,
                               finalize: (Connection, inout [UInt8]) -> Void,
                               emit: (UnsafeRawBufferPointer) -> Void) throws(CaptureError) -> Analysis
    {
        if paths.count > 1 && paths.contains("-") { throw .standardInputWithOtherFiles }
        var start = CaptureSummary()
        let ordered = try order(paths, summary: &start)
        let channel = SegmentChannel()
        let initial = start
        let reader = Thread {
            var summary = initial
            var frame = 0
            var batch = channel.emptyBatch()
            var failure: CaptureError?
            var earlierFiles: Int64 = 0   // bytes of the files already read
            for path in ordered {
                do throws(CaptureError) {
                    let capture = try CaptureFile(path: path)
                    // The hand-over is written out twice on purpose: a nested function for it captured `batch`
                    // in a box and cost 0.08 s on 10 M packets (this is the reader's per-packet path).
                    read(capture, path: path, frame: &frame, summary: &summary) { segment, frame, time in
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
        reader.stackSize = 1 << 22
        reader.start()

        var tracker = Tracker(options: options.tracker)
        var spool = OrderedSpool(memoryBudget: options.spoolMemory)
        var totals = FindingTotals()
        var rendered: [UInt8] = []
        var lastSweep: Timestamp?
        var segments = 0, segmentsAtSweep = 0
        func deliver(_ c: Connection) {
            totals.add(c)
            rendered.removeAll(keepingCapacity: true)
            finalize(c, &rendered)
            if options.order == .finish {
                rendered.withUnsafeBytes(emit)
            } else {
                spool.add(c.id, rendered, emit: emit)
            }
        }
        func dropped(_ tracker: inout Tracker) {
            guard options.order == .firstFrame else { _ = tracker.drainDropped(); return }
            for id in tracker.drainDropped() { spool.skip(id, emit: emit) }
        }
        var segment = Segment.empty
        var bytesRead: Int64 = 0
        let totalBytes = Analyzer.totalSize(of: ordered)
        while let (batch, read) = channel.receive() {
            bytesRead = read
            for i in 0..<batch.count {
                let (frame, now) = batch.unpack(i, into: &segment)
                tracker.ingest(segment, frame: frame, time: now)
                segments += 1
                // Up to ten times per second of capture time: finalize what can no longer change (a connection
                // waits for the sweep after its linger: sweeping often keeps fewer of them whole). A sweep visits
                // every connection, so with many held it waits for a quarter as many segments (at most 1 s).
                if let last = lastSweep {
                    // (In integer nanoseconds: this runs for every segment.)
                    let elapsed = (now.nanoseconds &- last.nanoseconds).magnitude
                    if elapsed < Analyzer.sweepInterval { continue }
                    if elapsed < 1_000_000_000 && (segments - segmentsAtSweep) * 4 < tracker.liveConnections { continue }
                }
                segmentsAtSweep = segments
                options.progress?(AnalysisProgress(segments: segments, connections: tracker.liveConnections,
                                           bytesRead: bytesRead, totalBytes: totalBytes))
                lastSweep = now
                tracker.expire(now: now, idleTimeout: options.idleTimeout, deliver)
                dropped(&tracker)
            }
            channel.recycle(batch)
        }
        let (summary, failure) = channel.waitForOutcome()
        if let failure { throw failure }
        dropped(&tracker)
        tracker.finish(deliver)
        spool.flush(emit)
        var analysis = Analysis(input: summary, connections: [], options: options,
                                evictedHalfOpen: tracker.evictedHalfOpen, evictedOther: tracker.evictedOther)
        if tracker.lateSegments > 0 {
            analysis.input.notes.append(Tracker.lateSegmentsNote(tracker.lateSegments))
        }
        if spool.lostTotal > 0 {
            analysis.input.warnings.append("\(spool.lostTotal) connection(s) missing from the output: the temporary "
                                               + "file they waited in could not be read back")
        }
        if spool.spilledTotal > 0 {
            analysis.input.notes.append("\(spool.spilledTotal) connection(s) waited for an older one in a temporary "
                                            + "file (first-frame order; --order finish writes them as they end)")
        }
        analysis.totals = totals
        analysis.addEvictionWarnings()
        return analysis
    }

    /// The size of the input files (0 when one is not a regular file: standard input, a pipe).
    static func totalSize(of paths: [String]) -> Int64 {
        var total: Int64 = 0
        for path in paths {
            guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = attributes[.size] as? NSNumber else { return 0 }
            total += size.int64Value
        }
        return total
    }

    /// Analyses a capture held in memory, through the same read → decode → track path as a file.
    public static func analyze(bytes: [UInt8], name: String = "<memory>", options: AnalysisOptions = AnalysisOptions())
        throws(CaptureError) -> Analysis
    {
        var summary = CaptureSummary()
        var tracker = Tracker(options: options.tracker)
        var frame = 0
        let failure: CaptureError? = bytes.withUnsafeBytes { raw -> CaptureError? in
            do throws(CaptureError) {
                let capture = try CaptureFile(bytes: raw, name: name)
                read(capture, path: name, frame: &frame, summary: &summary) { tracker.ingest($0, frame: $1, time: $2) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return Analysis(input: summary, tracker: &tracker, options: options)
    }

    /// Reads and decodes every packet of one capture, handing each TCP segment to `deliver` with its frame
    /// number and time; frame numbers continue from `frame`. The segment is passed `inout` only so that it is
    /// not copied (140 bytes) for every packet: `deliver` reads it and must not change it.
    private static func read(_ capture: borrowing CaptureFile, path: String, frame: inout Int,
                             summary: inout CaptureSummary, deliver: (inout Segment, Int, Timestamp) -> Void) {
        var file = InputFileSummary(path: path, linkType: capture.linkType, snapLength: capture.snapLength)
        let linkType = capture.linkType
        var segment = Segment.empty   // decoded into in place, packet after packet
        // Per packet only the frame number and the latest time change; the file's counts and times are
        // written once at the end (this loop is the reading thread's per-packet path).
        let firstFrame = frame + 1
        var latest = Timestamp(nanoseconds: 0)
        let end = capture.forEachPacket { record, bytes in
            frame += 1
            let now = record.timestamp
            if frame == firstFrame {
                latest = now
                file.firstTime = now
                if let previous = summary.files.last, let previousEnd = previous.lastTime, now < previousEnd {
                    summary.warnings.append(
                        "\(path): starts at \(now) before \(previous.path) ends at \(previousEnd): "
                            + "the files overlap in time; packets are analysed file after file")
                }
            } else if now < latest {
                if file.backwardsFrame == nil { file.backwardsFrame = frame }
                file.backwardsCount += 1
            } else {
                latest = now
            }
            let status = PacketDecoder.decode(bytes, linkType: linkType, into: &segment)
            if summary.count(status, segment: segment, frame: frame) {
                deliver(&segment, frame, now)
            }
        }
        file.packets = frame - firstFrame + 1
        summary.packets += file.packets
        if file.packets > 0 {
            file.firstFrame = firstFrame
            file.lastFrame = frame
            file.lastTime = latest
        }
        if case .damaged(let reason) = end {
            file.damage = reason
            summary.warnings.append(
                "\(path): capture cut off after \(file.packets) packets (\(reason)); "
                    + "results cover the packets read before the damage")
        }
        if let first = file.backwardsFrame {
            summary.warnings.append("\(path): \(file.backwardsCount) packet(s) have a timestamp earlier than a packet "
                                        + "before them (first at frame \(first)); times are taken as they are")
        }
        if summary.firstTime == nil { summary.firstTime = file.firstTime }
        if let last = file.lastTime { summary.lastTime = max(summary.lastTime ?? last, last) }
        summary.files.append(file)
    }

    /// Orders several files by the timestamp of their first packet (files without packets keep their place at
    /// the end). Opening each file here also reports a bad one before any output is written.
    private static func order(_ paths: [String], summary: inout CaptureSummary) throws(CaptureError) -> [String] {
        guard paths.count > 1 else { return paths }
        var firsts: [(path: String, first: Timestamp?, position: Int)] = []
        for (position, path) in paths.enumerated() {
            let capture = try CaptureFile(path: path)
            firsts.append((path, capture.firstTimestamp(), position))
        }
        let sorted = firsts.sorted { lhs, rhs in
            switch (lhs.first, rhs.first) {
            case let (l?, r?): return l == r ? lhs.position < rhs.position : l < r
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return lhs.position < rhs.position
            }
        }
        let result = sorted.map(\.path)
        if result != paths {
            summary.notes.append("files read in order of their first timestamp: "
                                        + result.joined(separator: ", "))
        }
        return result
    }
}
