/// Something worth telling about a connection, tied to the frame that shows it.
public struct Finding: Sendable, Hashable {
    public var code: FindingCode
    public var frame: Int
    public var time: Timestamp
    /// Index (0 or 1) of the endpoint that sent the segment, nil when no single segment is to blame.
    public var senderIndex: Int?
    /// Human-readable explanation; not part of the stable contract.
    public var detail: String
    /// On a RST's finding: its TTL against its sender's other segments', when they differ by 3 or more.
    public var ttl: TTLMismatch? = nil

    public var severity: Severity { code.severity }
}
