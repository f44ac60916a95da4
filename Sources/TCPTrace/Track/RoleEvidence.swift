/// How the client and server roles of a connection were decided.
public enum RoleEvidence: String, Sendable {
    /// The client sent the first SYN.
    case syn
    /// No SYN was seen; the SYN-ACK sender is the server.
    case synAck = "syn-ack"
    /// Neither was seen: the server is the endpoint with the lower port (ties: the receiver of the first
    /// segment). docs/connection-model.md "Mid-stream connections".
    case portHeuristic = "port-heuristic"
}
