/// One state change of one endpoint, with the frame of the segment that caused it.
public struct StateTransition: Sendable, Hashable {
    public var frame: Int
    public var time: Timestamp
    public var state: TCPState
}
