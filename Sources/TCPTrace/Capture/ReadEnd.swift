/// How reading a capture ended.
public enum ReadEnd: Sendable, Equatable {
    /// Every record was read.
    case endOfFile
    /// libpcap stopped on a damaged record (most often the last one, cut off when tcpdump was killed).
    /// Every packet before it was delivered. `reason` is libpcap's message.
    case damaged(reason: String)
}
