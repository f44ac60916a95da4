/// Zeek's per-endpoint TCP states, mirrored so `conn_state` can be derived the way Zeek's `conn.zeek` does.
public enum ZeekEndpointState: Sendable {
    case inactive, synSent, synAckSent, partial, established, closed, reset

    /// The endpoint has closed, by a FIN or a RST (Zeek's `did_close`).
    var hasClosed: Bool { self == .closed || self == .reset }
}
