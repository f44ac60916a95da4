/// Settings of the host view (`analyze --hosts`).
public struct HostOptions: Sendable {
    public var msl: Double
    /// The clients' ephemeral port range (Linux's default 32768-60999).
    public var portRange: ClosedRange<Int>
    /// `time-wait-pressure` is raised when a client holds TIME_WAIT on more than this share of its port range
    /// towards one server address:port.
    public var pressureThreshold: Double

    public init(msl: Double = 30, portRange: ClosedRange<Int> = 32768...60999, pressureThreshold: Double = 0.25) {
        self.msl = msl
        self.portRange = portRange
        self.pressureThreshold = pressureThreshold
    }
}
