/// A stretch of sequence space not (yet) seen in the capture, and when the segment after it was seen.
struct Hole: Sendable {
    var start: SequenceNumber
    var end: SequenceNumber
    var seenAfterAt: Timestamp
}

/// Data-phase figures and state for the segments one endpoint sends (tcptrace -l's per-direction block).
///
/// A value stored inline in its endpoint: the per-packet path changes it in place through `inout` endpoints
/// (no reference, so no retain/release and no dynamic exclusivity check per access).
public struct DirectionStats: Sendable {
    public var pureAcks = 0
    public var sackAcks = 0
    public var dsacks = 0
    public var payloadPackets = 0
    public var uniqueBytes: UInt64 = 0
    public var retransmittedPackets = 0
    public var retransmittedBytes: UInt64 = 0
    public var outOfOrderPackets = 0
    public var zeroWindowAdvertisements = 0
    public var zeroWindowProbes = 0
    public var keepAlives = 0
    /// Bytes of sequence space never seen (holes left by segments lost before the capture point).
    public var gapBytes: UInt64 = 0
    /// Payload bytes cut by the snap length.
    public var truncatedBytes: UInt64 = 0
    /// Advertised window, scaled (RFC 7323 2.3): min, max, sum for the mean, count.
    public var windowMin: UInt64 = .max
    public var windowMax: UInt64 = 0
    var windowSum: Double = 0
    var windowCount = 0
    /// The window advertised on the SYN or SYN-ACK (never scaled), or on the first segment seen.
    public var initialWindow: UInt64?
    public var longestIdle: Double = 0
    var lastSent: Timestamp?
    /// Per-ACK RTT samples (seconds) of this direction's data, Karn's rule: none from retransmitted data.
    public var rtt = RTTStatistics()

    // Receiver-side state this endpoint advertises (used when it is the peer).
    /// Highest acknowledgment sent, the window that came with it (scaled), and the right edge it implies.
    var lastAck: SequenceNumber?
    var lastWindow: UInt64 = 0
    var rightEdge: SequenceNumber?
    var duplicateAcks = 0
    /// When this endpoint last sent a SACK block (it reports a hole in what it received).
    var lastSackTime: Timestamp?
    // Sender-side state.
    var holes: [Hole] = []
    var pending: [(end: SequenceNumber, time: Timestamp, clean: Bool)] = []
    var pendingHead = 0

    public init() {}

    public var meanWindow: Double { windowCount == 0 ? 0 : windowSum / Double(windowCount) }

    mutating func observeWindow(_ scaled: UInt64) {
        windowMin = min(windowMin, scaled)
        windowMax = max(windowMax, scaled)
        windowSum += Double(scaled)
        windowCount += 1
    }
}

/// RTT samples: count, min, max, mean and standard deviation as they come (Welford), and a uniform sample of
/// at most `keep` of them (all of them up to `keep`) for the median and 95th percentile.
///
/// The kept samples take two allocations in a connection's life (16 slots, then `keep`): beyond `keep`, a new
/// sample replaces a kept one at random (reservoir sampling, Vitter's algorithm R, with a fixed-seed
/// generator so that runs agree), so a long connection costs no allocation per ACK.
public struct RTTStatistics: Sendable {
    public private(set) var count = 0
    public private(set) var min = Double.infinity
    public private(set) var max = 0.0
    private var mean_ = 0.0
    private var m2 = 0.0
    private var samples: [Double] = []
    private var random: UInt64 = 0x853C_49E6_748F_EA9B
    public static let keep = 256

    public mutating func add(_ value: Double) {
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        let delta = value - mean_
        mean_ += delta / Double(count)
        m2 += delta * (value - mean_)
        if samples.count < RTTStatistics.keep {
            if samples.count == samples.capacity { samples.reserveCapacity(samples.isEmpty ? 16 : RTTStatistics.keep) }
            samples.append(value)
        } else {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let slot = Int((random >> 33) % UInt64(count))
            if slot < RTTStatistics.keep { samples[slot] = value }
        }
    }

    public var mean: Double { mean_ }
    public var standardDeviation: Double { count > 1 ? (m2 / Double(count - 1)).squareRoot() : 0 }

    /// The q-quantile (0...1) of the kept samples, nearest rank (exact up to `keep` samples). Selected in a
    /// stack buffer (quickselect), so rendering a connection allocates nothing for it.
    public func quantile(_ q: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let n = samples.count
        let rank = Swift.max(0, Swift.min(n - 1, Int((q * Double(n)).rounded(.up)) - 1))
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { buffer -> Double in
            _ = buffer.initialize(from: samples)
            // Hoare-style selection of the element of `rank` in sorted order.
            var low = 0, high = n - 1
            while low < high {
                let pivot = buffer[(low + high) / 2]
                var i = low, j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while pivot < buffer[j] { j -= 1 }
                    if i <= j { buffer.swapAt(i, j); i += 1; j -= 1 }
                }
                if rank <= j { high = j } else if rank >= i { low = i } else { break }
            }
            return buffer[rank]
        }
    }
}
