/// How the handshake went (JSON `handshake.outcome`).
public enum HandshakeOutcome: String, Sendable, CaseIterable {
    case complete
    case simultaneousOpen = "simultaneous-open"
    case synOnly = "syn-only"
    case halfOpen = "half-open"
    case synackOnly = "synack-only"
    case refused
    case aborted
    case notSeen = "not-seen"
}
