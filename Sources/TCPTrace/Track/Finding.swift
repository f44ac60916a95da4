/// Something worth telling about a connection, tied to the frame that shows it.
public struct Finding: Sendable, Hashable {
    public var code: FindingCode
    public var frame: Int
    public var time: Timestamp
    /// Index (0 or 1) of the endpoint that sent the segment, nil when no single segment is to blame.
    public var senderIndex: Int?
    /// Human-readable explanation, as the pieces it was written in (`FindingDetail`: joined when read as
    /// `detail`); not part of the stable contract.
    public var text: FindingDetail
    /// On a RST's finding: its TTL against its sender's other segments', when they differ by 3 or more.
    public var ttl: TTLMismatch? = nil

    public var severity: Severity { code.severity }

    /// Human-readable explanation; not part of the stable contract.
    public var detail: String {
        get { text.description }
        set { text = FindingDetail(newValue) }
    }

    public init(
        code: FindingCode, frame: Int, time: Timestamp, senderIndex: Int?, text: FindingDetail,
        ttl: TTLMismatch? = nil
    ) {
        self.code = code
        self.frame = frame
        self.time = time
        self.senderIndex = senderIndex
        self.text = text
        self.ttl = ttl
    }

    public init(
        code: FindingCode, frame: Int, time: Timestamp, senderIndex: Int?, detail: String, ttl: TTLMismatch? = nil
    ) {
        self.init(code: code, frame: frame, time: time, senderIndex: senderIndex, text: FindingDetail(detail), ttl: ttl)
    }
}
