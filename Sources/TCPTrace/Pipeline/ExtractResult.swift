/// What `Extractor.extract` wrote.
public struct ExtractResult: Sendable {
    /// Connections chosen by the selection (each with at least one frame written).
    public var connections = 0
    /// Their ids.
    public var ids: Set<Int> = []
    /// Connections in the whole trace, chosen or not.
    public var traceConnections = 0
    /// Frames written.
    public var frames = 0
    /// The output format, as chosen (`ExtractFormat`).
    public var format = ExtractFormat.pcapng
    /// Segments written that came after their connection was finalized (counted in no connection's packets).
    public var lateSegments = 0
    /// Frames of each kind written besides the connections' segments: IP fragments and ICMP errors.
    public var fragments = 0
    public var icmpErrors = 0
    /// The second reading's summary: files, damage (a capture cut off part-way), warnings.
    public var input = CaptureSummary()
    /// What the reader should know besides the input's warnings (the format fallen back to, frames left out).
    public var notes: [String] = []
}
