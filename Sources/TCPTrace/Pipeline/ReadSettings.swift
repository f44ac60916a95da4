/// What the reading thread needs besides the files: whether to check checksums, the extra tunnel ports, and
/// the tracker's tunnel registry to intern tunnel stacks into.
struct ReadSettings: Sendable {
    var verifyChecksums = false
    var tunnelPorts = TunnelPorts()
    var tunnels: TunnelRegistry?
    /// `--filter`: each segment is marked when its frame matches (`Segment.matchesFilter`).
    var filter: PacketFilter?
}
