/// Who closed first (JSON `close.initiator`).
public enum Initiator: String, Sendable {
    case client, server, both
}
