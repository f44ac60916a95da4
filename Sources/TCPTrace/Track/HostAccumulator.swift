/// Collects what the host view needs from each finished connection (a few dozen bytes each), in any order.
public struct HostAccumulator: Sendable {
    struct Entry: Sendable {
        var start: Timestamp
        var end: Timestamp
        var requests: Int32
        var single: Bool
        var side: Initiator?
        var clientTimeWait: Timestamp?
        var serverTimeWait: Timestamp?
        var reusedAt: Timestamp?
    }

    private var entries: [HostPair: [Entry]] = [:]
    public let options: HostOptions

    public init(options: HostOptions) { self.options = options }

    public mutating func add(_ c: Connection) {
        let pair = HostPair(client: c.client.endpoint.address, server: c.server.endpoint)
        let clientRuns = c.clientIndex == 0 ? c.dataRuns.0 : c.dataRuns.1
        let serverRuns = c.clientIndex == 0 ? c.dataRuns.1 : c.dataRuns.0
        entries[pair, default: []].append(
            Entry(
                start: c.start, end: c.end, requests: clientRuns, single: clientRuns == 1 && serverRuns == 1,
                side: c.timeWaitSide, clientTimeWait: c.client.timeWaitStart, serverTimeWait: c.server.timeWaitStart,
                reusedAt: c.reusedAt))
    }

    /// The view at the end of a capture whose last packet is at `captureEnd`. A 4-tuple counts as in
    /// TIME_WAIT from the ACK of the peer's FIN until 2·MSL later or its reuse, whichever comes first; at the
    /// end of the capture it counts when that interval contains the last packet's time.
    public func finish(captureEnd: Timestamp) -> HostView {
        let window = Int64(2 * options.msl * 1e9)
        var hostIntervals: [IPAddress: [(Int64, Int64)]] = [:]
        var opened: [IPAddress: Int] = [:], accepted: [IPAddress: Int] = [:]
        var pairsByClient: [IPAddress: [PairStats]] = [:]
        var findings: [IPAddress: [HostFinding]] = [:]
        let rangeSize = options.portRange.count
        for (pair, list) in entries {
            let sorted = list.sorted { $0.start < $1.start }
            opened[pair.client, default: 0] += sorted.count
            accepted[pair.server.address, default: 0] += sorted.count
            var clientIntervals: [(Int64, Int64)] = []
            var sides = ["client": 0, "server": 0, "both": 0, "none": 0]
            for e in sorted {
                sides[e.side?.rawValue ?? "none", default: 0] += 1
                func interval(_ start: Timestamp) -> (Int64, Int64) {
                    var end = start.nanoseconds + window
                    if let reused = e.reusedAt { end = min(end, reused.nanoseconds) }
                    return (start.nanoseconds, end)
                }
                if let t = e.clientTimeWait {
                    clientIntervals.append(interval(t))
                    hostIntervals[pair.client, default: []].append(interval(t))
                }
                if let t = e.serverTimeWait { hostIntervals[pair.server.address, default: []].append(interval(t)) }
            }
            // Busiest 1-second window of openings.
            var peak = 0, low = 0
            for high in sorted.indices {
                while sorted[low].start.interval(to: sorted[high].start) >= 1 { low += 1 }
                peak = max(peak, high - low + 1)
            }
            let span = sorted.first.flatMap { f in sorted.last.map { f.start.interval(to: $0.start) } } ?? 0
            var keepalive = 0
            for i in sorted.indices.dropLast()
            where sorted[i].single
                && sorted[i].end.interval(to: sorted[i + 1].start) <= 1
            {
                keepalive += 1
            }
            let (twPeak, twPeakTime) = HostAccumulator.peak(clientIntervals)
            let share = Double(twPeak) / Double(max(1, rangeSize))
            let stats = PairStats(
                pair: pair, connections: sorted.count, handshakesPerSecondPeak: peak,
                handshakesPerSecondMean: span > 0 ? Double(sorted.count - 1) / span : Double(sorted.count),
                medianLifetime: HostAccumulator.median(sorted.map { $0.start.interval(to: $0.end) }),
                requestsMean: Double(sorted.reduce(0) { $0 + Int($1.requests) }) / Double(max(1, sorted.count)),
                requestsMedian: HostAccumulator.median(sorted.map { Double($0.requests) }),
                singleRequest: sorted.filter(\.single).count, keepaliveCandidates: keepalive, timeWaitSide: sides,
                timeWaitPeak: twPeak, timeWaitPeakShare: share, timeWaitPeakTime: twPeakTime)
            pairsByClient[pair.client, default: []].append(stats)
            if share > options.pressureThreshold, let when = twPeakTime {
                findings[pair.client, default: []].append(
                    HostFinding(
                        code: .timeWaitPressure, host: pair.client, time: when,
                        detail: "\(pair.client) holds TIME_WAIT on \(twPeak) of its \(rangeSize) ephemeral ports "
                            + "(\(Format.fixed(share * 100, decimals: 1)) %, port range "
                            + "\(options.portRange.lowerBound)-"
                            + "\(options.portRange.upperBound)) towards \(pair.server) at \(when): new connections "
                            + "to it "
                            + "will fail once the range is exhausted (use keep-alive, or let the server close first)"))
            }
        }
        let addresses = Set(opened.keys).union(accepted.keys).sorted()
        let hosts = addresses.map { address -> HostStats in
            let intervals = hostIntervals[address] ?? []
            let (peak, when) = HostAccumulator.peak(intervals)
            let end = captureEnd.nanoseconds
            return HostStats(
                address: address, openedAsClient: opened[address] ?? 0, acceptedAsServer: accepted[address] ?? 0,
                timeWaitPeak: peak, timeWaitPeakTime: when,
                timeWaitAtEnd: intervals.filter { $0.0 <= end && end < $0.1 }.count,
                pairs: (pairsByClient[address] ?? []).sorted { $0.pair < $1.pair },
                findings: findings[address] ?? [])
        }
        return HostView(hosts: hosts, options: options)
    }

    /// Most intervals open at once and the first time that happens.
    static func peak(_ intervals: [(Int64, Int64)]) -> (Int, Timestamp?) {
        var events: [(Int64, Int)] = []
        events.reserveCapacity(intervals.count * 2)
        for (a, b) in intervals { events.append((a, 1)); events.append((b, -1)) }
        events.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }  // an end before a start at the same time
        var current = 0, best = 0
        var when: Int64?
        for (t, delta) in events {
            current += delta
            if current > best { best = current; when = t }
        }
        return (best, when.map { Timestamp(nanoseconds: $0) })
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
