import Synchronization

/// The findings arrays of connections already handed over, for the next connection that raises a finding.
/// Reserving a connection's findings array was the last heap allocation per connection with anomalies (one
/// each; the details themselves keep no heap storage, `FindingDetail`): on the benchmark's mix with 2 %
/// anomalies paced into a steady state, 0.030 allocations per connection before this pool (issue 21).
///
/// Shared by every tracker of the process behind a lock: it is taken only when a connection raises its first
/// finding and given back only when a connection with findings is recycled (`BufferPool.reclaim`), never on
/// a segment's path otherwise. At most `limit` arrays of at most `largest` findings are kept (at most 1.5 MB;
/// arrays reserved for four, the usual, take half that).
enum FindingsPool {
    private static let spare = Mutex<[[Finding]]>([])
    static let limit = 1024
    static let largest = 8

    /// An empty findings array with room for some, if one is kept.
    static func take() -> [Finding]? {
        spare.withLock { $0.popLast() }
    }

    /// Takes `findings` (emptied, its capacity kept) for a later connection, unless it is too large or the
    /// pool is full.
    static func give(_ findings: inout [Finding]) {
        guard findings.capacity > 0, findings.capacity <= largest else { return }
        var taken: [Finding] = []
        swap(&taken, &findings)
        taken.removeAll(keepingCapacity: true)
        spare.withLock { pool in
            if pool.count < limit { pool.append(taken) }
        }
    }
}
