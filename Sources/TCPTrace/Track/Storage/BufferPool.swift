/// The heap buffers of finished connections, kept for the next ones (issue 21): an endpoint that sends data
/// otherwise allocates small arrays (data in flight, RTT samples) and frees them when its connection is
/// written out, and on traffic of many short connections such malloc/free pairs were the largest cost per
/// connection. (The other per-connection arrays became inline lists: `TransitionList`, `HistoryLetters`.)
///
/// The streaming caller gives each connection back once its sink is done with it
/// (`Tracker.drainFinalized(recycling:)`): its buffers are taken out, emptied with their capacity kept, and
/// lent to the next endpoints that send data (`lendDataBuffers`), so in steady state a connection allocates
/// nothing. Only buffers of at most `largest` elements are kept (a long connection's large buffers go back to
/// malloc), and of each kind at most two per connection the tracker has held at once (`limit`, set by the
/// tracker; at least 1,024): the pool is never larger than what its connections held at the peak, and a burst
/// of connections finalized by one sweep still finds the next burst of new ones.
///
/// Measured with bench-gen's clean short connections (13 packets, 5,000 open at once), allocations at 100,000
/// connections less those at 50,000: 2.4 per connection (text) and 5 (jsonl) before the pool and the changes
/// beside it (issue 21), 0.0096 after (`scripts/benchmark.sh`, "heap allocations").
struct BufferPool {
    /// Most buffers kept per kind.
    var limit = 1024
    /// Most elements a kept buffer may have room for.
    static let largest = 64

    private var pending: [[PendingData]] = []
    private var samples: [[Double]] = []
    private var holes: [[Hole]] = []

    init(limit: Int = 1024) {
        self.limit = limit
    }

    /// Takes the buffers out of a connection that is done with (its sink has seen it).
    mutating func reclaim(_ c: inout Connection) {
        if !c.findings.isEmpty { FindingsPool.give(&c.findings) }  // (shared by every tracker: `FindingsPool`)
        let limit = self.limit
        for s in 0..<2 {
            c.withEndpoints(sender: s) { side, _, _ in
                Self.keep(&side.stats.pending, in: &pending, limit: limit)
                Self.keep(&side.stats.holes, in: &holes, limit: limit)
                side.stats.rtt.giveBuffer { Self.keep(&$0, in: &samples, limit: limit) }
            }
        }
    }

    /// Takes the buffers `other` kept (connections recycled on another thread, `RenderedBatch`), up to the
    /// limit; `other` is left empty.
    mutating func absorb(_ other: inout BufferPool) {
        let limit = self.limit
        func move<T>(_ from: inout [[T]], into pool: inout [[T]]) {
            while pool.count < limit, let buffer = from.popLast() { pool.append(buffer) }
            from.removeAll(keepingCapacity: true)
        }
        move(&other.pending, into: &pending)
        move(&other.samples, into: &samples)
        move(&other.holes, into: &holes)
    }

    /// Lends the buffers an endpoint's data needs (data in flight, RTT samples, holes), where it has none yet:
    /// when it sends its first data (lent to both endpoints at the start, the silent side's would sit unused
    /// while the pool ran dry for the next connection's sender).
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
