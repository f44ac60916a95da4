/// What the data-phase pass needs from the connection.
struct DataPhaseContext {
    var senderShift: UInt64
    /// The sender is the client (the handshake RTT, the reorder window, is the client's SYN to its ACK).
    var senderIsClient: Bool

    /// Out-of-order vs retransmission threshold: the handshake RTT (as `Connection.handshakeRTT`), else
    /// `Connection.defaultReorderWindow`. Computed only when a hole is filled, not for every segment.
    static func reorderWindow(
        sender: borrowing HalfConnection, peer: borrowing HalfConnection, senderIsClient: Bool
    ) -> Double {
        let rtt = senderIsClient ? Connection.handshakeRTT(client: sender) : Connection.handshakeRTT(client: peer)
        return rtt ?? Connection.defaultReorderWindow
    }
}
