/// A data segment not yet acknowledged: where it ends, when it was sent, and whether it was never
/// retransmitted (Karn's rule: only those give RTT samples).
typealias PendingData = (end: SequenceNumber, time: Timestamp, clean: Bool)

/// Data-phase figures and state for the segments one endpoint sends (tcptrace -l's per-direction block).
///
/// A value stored inline in its endpoint: the per-packet path changes it in place through `inout` endpoints
/// (no reference, so no retain/release and no dynamic exclusivity check per access).
public struct DirectionStats: Sendable {
    // In the order the per-segment path reads them (as `HalfConnection`'s): the sender-side queue and the
    // receiver-side state, the figures most segments change, then the rest.
    // Sender-side state (with `holes`, below): data sent and not yet acknowledged, from `pendingHead` on.
    var pending: [PendingData] = []
    var pendingHead = 0
    // Receiver-side state this endpoint advertises (used when it is the peer).
    /// Highest acknowledgment sent, the window that came with it (scaled), and the right edge it implies.
    var lastAck: SequenceNumber?
    var lastWindow: UInt64 = 0
    var rightEdge: SequenceNumber?
    var duplicateAcks = 0
    /// Advertised window, scaled (RFC 7323 2.3): min, max, sum for the mean, count.
    public var windowMin: UInt64 = .max
    public var windowMax: UInt64 = 0
    var windowSum: Double = 0
    var windowCount = 0
    /// The window advertised on the SYN or SYN-ACK (never scaled), or on the first segment seen.
    public var initialWindow: UInt64?
    public var longestIdle: Double = 0
    var lastSent: Timestamp?
    public var pureAcks = 0
    public var payloadPackets = 0
    public var uniqueBytes: UInt64 = 0
    /// Payload bytes cut by the snap length.
    public var truncatedBytes: UInt64 = 0
    /// Per-ACK RTT samples (seconds) of this direction's data, Karn's rule: none from retransmitted data.
    public var rtt = RTTStatistics()
    public var sackAcks = 0
    public var dsacks = 0
    public var retransmittedPackets = 0
    public var retransmittedBytes: UInt64 = 0
    public var outOfOrderPackets = 0
    public var zeroWindowAdvertisements = 0
    public var zeroWindowProbes = 0
    public var keepAlives = 0
    /// Bytes of sequence space never seen (holes left by segments lost before the capture point).
    public var gapBytes: UInt64 = 0
    /// RTT and idle samples dropped because a backward timestamp step lay between their two segments.
    public var backwardSamples: UInt32 = 0
    /// When this endpoint last sent a SACK block (it reports a hole in what it received).
    var lastSackTime: Timestamp?
    /// Sender-side: the holes in what this endpoint sent.
    var holes: [Hole] = []

    public init() {}

    /// Forgets what this endpoint advertised as a receiver (its ACK, window and right edge): they belonged
    /// to a stale connection (`StateMachine.abortStalePeer`).
    mutating func forgetReceiverState() {
        lastAck = nil
        lastWindow = 0
        rightEdge = nil
        duplicateAcks = 0
    }

    /// Queues a data segment until it is acknowledged. The queue's first storage has room for 8 (growing one
    /// slot at a time from nothing took four allocations before a short connection's few segments fit, and
    /// left small buffers for `BufferPool` to lend).
    @inline(__always)
    mutating func addPending(_ data: PendingData) {
        if pending.capacity == 0 { pending.reserveCapacity(8) }
        pending.append(data)
    }

    /// This endpoint, as the receiver, last advertised a window of 0.
    var advertisesZeroWindow: Bool { lastWindow == 0 && windowCount > 0 }

    public var meanWindow: Double { windowCount == 0 ? 0 : windowSum / Double(windowCount) }

    mutating func observeWindow(_ scaled: UInt64) {
        windowMin = min(windowMin, scaled)
        windowMax = max(windowMax, scaled)
        windowSum += Double(scaled)
        windowCount += 1
    }
}
