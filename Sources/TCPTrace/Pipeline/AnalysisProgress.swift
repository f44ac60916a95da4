/// How far a streaming analysis has come.
public struct AnalysisProgress: Sendable {
    /// TCP segments tracked so far and connections held now.
    public var segments: Int
    public var connections: Int
    /// Input bytes read so far, and the size of all the input (0 when unknown: standard input, a pipe).
    public var bytesRead: Int64
    public var totalBytes: Int64
}
