/// `extract`'s progress over its two readings (`AnalysisOptions.progress`): bytes count twice, once per
/// reading, so the bar is full when the second reading ends; segments are those tracked in both.
struct ExtractProgress {
    let callback: (@Sendable (AnalysisProgress) -> Void)?
    /// Twice the input's size (0 when unknown).
    let totalBytes: Int64
    /// Bytes of the files (and the first reading) already read.
    var earlierBytes: Int64 = 0
    private var frames = 0
    private var segments = 0

    init(paths: [String], callback: (@Sendable (AnalysisProgress) -> Void)?) {
        self.callback = callback
        totalBytes = 2 * TraceReader.totalSize(of: paths)
    }

    /// Counts one frame; every 32,768 frames the callback hears how far the readings are (`bytesRead`: the
    /// current file's so far), with the tracker's connections.
    mutating func frame(_ visit: TraceFrame, bytesRead: @autoclosure () -> Int64, tracker: borrowing Tracker) {
        guard let callback else { return }
        frames += 1
        if visit.isSegment { segments += 1 }
        guard frames & 0x7FFF == 0 else { return }
        callback(
            AnalysisProgress(
                segments: segments, connections: tracker.connectionsStarted, unfinished: tracker.liveConnections,
                bytesRead: earlierBytes + bytesRead(), totalBytes: totalBytes))
    }
}
