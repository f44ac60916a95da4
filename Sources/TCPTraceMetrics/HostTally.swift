import TCPTrace

/// A count per host that goes up and down (open connections, TIME_WAIT), with its total, and the hosts with
/// the highest counts: what the per-host gauges publish, so that label cardinality stays bounded however many
/// hosts the capture sees. A host whose count falls to 0 is forgotten.
public struct HostTally: Sendable {
    public private(set) var counts: [IPAddress: Int] = [:]
    /// The sum of `counts`, kept as it changes.
    public private(set) var total = 0

    public init() {}

    public mutating func add(_ host: IPAddress, _ delta: Int = 1) {
        let value = counts[host, default: 0] + delta
        // A decrement without its increment would be a caller's bug; clamp rather than publish a negative.
        let clamped = max(0, value)
        total += clamped - counts[host, default: 0]
        counts[host] = clamped == 0 ? nil : clamped
    }

    /// The `limit` hosts with the highest counts, highest first; equal counts in address order, so that the
    /// same state always gives the same hosts. One pass, `limit` kept: O(hosts × limit) at worst.
    public func top(_ limit: Int) -> [(host: IPAddress, count: Int)] {
        guard limit > 0 else { return [] }
        var best: [(host: IPAddress, count: Int)] = []
        best.reserveCapacity(limit + 1)
        func ranksBefore(_ a: (host: IPAddress, count: Int), _ b: (host: IPAddress, count: Int)) -> Bool {
            a.count != b.count ? a.count > b.count : a.host < b.host
        }
        for (host, count) in counts {
            let entry = (host: host, count: count)
            if best.count == limit, let last = best.last, !ranksBefore(entry, last) { continue }
            let at = best.firstIndex { ranksBefore(entry, $0) } ?? best.count
            best.insert(entry, at: at)
            if best.count > limit { best.removeLast() }
        }
        return best
    }
}
