/// The TIME_WAIT records of finalized connections, held until 2·MSL after their TIME_WAIT began: IPv4
/// 4-tuples in 48-byte entries, others in 72-byte ones.
struct TimeWaitRecords {
    private var ipv4 = TimeWaitTable<IPv4TimeWaitKey>()
    private var ipv6 = TimeWaitTable<IPv6TimeWaitKey>()

    var count: Int { ipv4.count + ipv6.count }

    /// The record of `key` if its 2·MSL `window` has not ended by `now`.
    func record(for key: FlowKey, now: Timestamp, window: Double) -> TimeWaitRecord? {
        if let k = IPv4TimeWaitKey(key) { return ipv4.record(for: k, now: now, window: window) }
        return ipv6.record(for: IPv6TimeWaitKey(key)!, now: now, window: window)
    }

    /// Adds (or replaces) the record of `key`.
    mutating func insert(_ record: TimeWaitRecord, for key: FlowKey) {
        if let k = IPv4TimeWaitKey(key) {
            ipv4.insert(record, for: k)
        } else {
            ipv6.insert(record, for: IPv6TimeWaitKey(key)!)
        }
    }

    /// Removes the record of `key`, if any.
    mutating func remove(_ key: FlowKey) {
        if let k = IPv4TimeWaitKey(key) { ipv4.remove(k) } else { ipv6.remove(IPv6TimeWaitKey(key)!) }
    }

    /// Drops every record whose 2·MSL window ended before `now`.
    mutating func expire(now: Timestamp, window: Double) {
        ipv4.expire(now: now, window: window)
        ipv6.expire(now: now, window: window)
    }
}
