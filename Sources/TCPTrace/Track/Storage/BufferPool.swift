/// The heap buffers of finished connections, kept for the next ones (issue 21): a short connection otherwise
/// allocates a dozen small arrays in its life (its endpoints' state transitions, Zeek history letters,
/// data in flight, RTT samples, findings) and frees them when it is written out, and on traffic of many
/// short connections that malloc/free pair was the largest cost per connection.
///
/// The streaming caller gives each connection back once its sink is done with it
/// (`Tracker.drainFinalized(recycling:)`): its buffers are taken out, emptied with their capacity kept, and
/// lent to the next connection the tracker starts (`lend(to:)`), so in steady state a connection allocates
/// nothing. Only buffers of at most `largest` elements are kept (a long connection's large buffers go back to
/// malloc), and of each kind at most two per connection the tracker has held at once (`limit`, set by the
/// tracker; at least 1,024): the pool is never larger than what its connections held at the peak, and a burst
/// of connections finalized by one sweep still finds the next burst of new ones.
///
/// Measured on 50,000 short connections (bench-gen, 13 packets each): 13.9 allocations per connection
/// before, 0.0x after (`scripts/benchmark.sh`, "allocations per connection").
struct BufferPool {
    /// Most buffers kept per kind.
    var limit = 1024
    /// Most elements a kept buffer may have room for.
    static let largest = 64

    private var transitions: [[StateTransition]] = []
    private var letters: [[UInt8]] = []
    private var pending: [[PendingData]] = []
    private var samples: [[Double]] = []
    private var holes: [[Hole]] = []
    private var findings: [[Finding]] = []
    private var counts: [[FindingCode: Int]] = []

    /// Takes the buffers out of a connection that is done with (its sink has seen it).
    mutating func reclaim(_ c: inout Connection) {
        let limit = self.limit
        Self.keep(&c.sideA.transitions, in: &transitions, limit: limit)
        Self.keep(&c.sideB.transitions, in: &transitions, limit: limit)
        c.zeek.giveBuffers { Self.keep(&$0, in: &letters, limit: limit) }
        for s in 0..<2 {
            c.withEndpoints(sender: s) { side, _, _ in
                Self.keep(&side.stats.pending, in: &pending, limit: limit)
                Self.keep(&side.stats.holes, in: &holes, limit: limit)
                side.stats.rtt.giveBuffer { Self.keep(&$0, in: &samples, limit: limit) }
            }
        }
        Self.keep(&c.findings, in: &findings, limit: limit)
        if c.findingCounts.capacity > 0 && counts.count < limit && c.findingCounts.capacity <= Self.largest {
            var d: [FindingCode: Int] = [:]
            swap(&d, &c.findingCounts)
            d.removeAll(keepingCapacity: true)
            counts.append(d)
        }
    }

    /// Lends kept buffers to a connection just created (its arrays are still without storage): those every
    /// connection fills (state transitions, history letters), and findings when some are kept. An endpoint's
    /// data buffers are lent when it sends its first data (`lendDataBuffers`): lent to both endpoints at the
    /// start, the silent side's would sit unused while the pool ran dry for the next connection's sender.
    mutating func lend(to c: inout Connection) {
        Self.lend(&c.sideA.transitions, from: &transitions)
        Self.lend(&c.sideB.transitions, from: &transitions)
        c.zeek.takeBuffers { Self.lend(&$0, from: &letters) }
        Self.lend(&c.findings, from: &findings)
        if c.findingCounts.capacity == 0, let d = counts.popLast() { c.findingCounts = d }
    }

    /// Lends the buffers an endpoint's data needs (data in flight, RTT samples, holes), where it has none yet.
    @inline(__always)
    mutating func lendDataBuffers(to side: inout HalfConnection) {
        guard side.stats.pending.capacity == 0 else { return }  // (lent together: one test per data segment)
        Self.lend(&side.stats.pending, from: &pending)
        side.stats.rtt.takeBuffer { Self.lend(&$0, from: &samples) }
        Self.lend(&side.stats.holes, from: &holes)
    }

    @inline(__always)
    private static func keep<T>(_ buffer: inout [T], in pool: inout [[T]], limit: Int) {
        guard buffer.capacity > 0, buffer.capacity <= Self.largest, pool.count < limit else { return }
        var taken: [T] = []
        swap(&taken, &buffer)
        taken.removeAll(keepingCapacity: true)
        pool.append(taken)
    }

    @inline(__always)
    private static func lend<T>(_ buffer: inout [T], from pool: inout [[T]]) {
        guard buffer.capacity == 0, let spare = pool.popLast() else { return }
        buffer = spare
    }
}

extension Connection {
    /// Before a data segment is applied: its sender gets recycled data buffers if it has none yet.
    @inline(__always)
    mutating func lendDataBuffers(for segment: Segment, from pool: inout BufferPool) {
        withEndpoints(sender: senderIndex(of: segment)) { side, _, _ in pool.lendDataBuffers(to: &side) }
    }
}
