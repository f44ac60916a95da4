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

    /// Hands the kept samples' buffer to `body` (`BufferPool`: recycled for the next connection).
    mutating func giveBuffer(_ body: (inout [Double]) -> Void) { body(&samples) }

    /// Lets `body` put a recycled buffer in place of the (empty, unallocated) samples.
    mutating func takeBuffer(_ body: (inout [Double]) -> Void) { body(&samples) }

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
