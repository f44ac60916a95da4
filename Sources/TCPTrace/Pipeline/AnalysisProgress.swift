/// How far a streaming analysis has come.
public struct AnalysisProgress: Sendable {
    /// TCP segments tracked so far.
    public var segments: Int
    /// Connections seen so far: finished (finalized, or dropped to bound memory) and not finished yet.
    public var connections: Int
    /// Connections not finished yet: held in memory, open or waiting out their linger.
    public var unfinished = 0
    /// Input bytes read up to the last segment tracked, and the size of all the input (0 when unknown: standard
    /// input, a pipe).
    public var bytesRead: Int64
    public var totalBytes: Int64
}
