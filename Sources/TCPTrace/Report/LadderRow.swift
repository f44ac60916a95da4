/// A row of a ladder diagram, shared by the terminal and SVG renderers.
public enum LadderRow: Sendable {
    case segment(LadderSegment)
    /// A folded run of plain data/ACK segments: how many, how many bytes, how many retransmissions.
    case fold(segments: Int, bytes: UInt64, retransmissions: Int)
    /// A side sits in TIME_WAIT for 2·MSL after the last segment, then is CLOSED.
    case timeWait(client: Bool, seconds: Double)

    /// `… 812 segments, 1.2 MB, 3 retransmissions …`.
    public static func foldText(segments: Int, bytes: UInt64, retransmissions: Int) -> String {
        var text = "… \(segments) segments, \(byteText(bytes))"
        if retransmissions > 0 { text += ", \(retransmissions) retransmission\(retransmissions == 1 ? "" : "s")" }
        return text + " …"
    }

    public static func byteText(_ bytes: UInt64) -> String {
        if bytes >= 1_000_000 { return Format.fixed(Double(bytes) / 1e6, decimals: 1) + " MB" }
        if bytes >= 1_000 { return Format.fixed(Double(bytes) / 1e3, decimals: 1) + " kB" }
        return "\(bytes) B"
    }
}
