/// The order in which streaming analysis writes connections.
public enum StreamOrder: String, Sendable, CaseIterable {
    case firstFrame = "first-frame"
    case finish
}
