/// Something that happened to a connection during a live capture.
public struct LiveEvent: Sendable {
    public enum Kind: String, Sendable {
        /// The handshake has an outcome (complete, refused, aborted, or a connection seen mid-stream).
        case opened
        /// A finding was raised.
        case finding
        /// The connection ended: closed, reset, or finalized idle / at the end of the capture.
        case closed
    }

    public var kind: Kind
    public var time: Timestamp
    public var connection: Connection
    /// For `.finding`.
    public var finding: Finding?
}
