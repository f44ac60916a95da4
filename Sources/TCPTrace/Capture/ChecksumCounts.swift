/// What `--verify-checksums` found over a trace (`CaptureSummary.checksums`).
public struct ChecksumCounts: Sendable, Equatable {
    /// Segments with a wrong IPv4 header or TCP checksum: counted, not used for state.
    public var bad = 0
    /// Segments that could not be checked: payload cut by the snap length, fragments, a zero IP length.
    public var unverifiable = 0

    public init() {}

    mutating func count(_ status: ChecksumStatus) {
        if status.isBad { bad += 1 } else if status == .unverifiable { unverifiable += 1 }
    }
}
