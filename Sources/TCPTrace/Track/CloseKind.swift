/// How the connection closed (JSON `close.kind`).
public enum CloseKind: String, Sendable, CaseIterable {
    case fourWay = "four-way"
    case threeWay = "three-way"
    case simultaneous
    case reset
    case halfClosed = "half-closed"
    case notClosed = "not-closed"
}
