/// Settings of the connection tracker.
public struct TrackerOptions: Sendable {
    /// Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL (RFC 9293 3.4.2). Linux uses 60 s in all.
    public var msl: Double = 30
    /// Keep every segment of every connection for timelines and ladders (costs memory per segment).
    public var recordTimeline = false

    public init(msl: Double = 30, recordTimeline: Bool = false) {
        self.msl = msl
        self.recordTimeline = recordTimeline
    }
}

/// Owns the connections of a trace: finds each segment's connection by 4-tuple and incarnation, starts a new
/// incarnation on a SYN with a new ISN after the previous one finished, and detects TIME_WAIT reuse.
public struct Tracker {
    public let options: TrackerOptions
    /// Current incarnation of each 4-tuple: index into `connections`.
    private var current: [FlowKey: Int] = [:]
    public private(set) var connections: [Connection] = []

    public init(options: TrackerOptions = TrackerOptions()) {
        self.options = options
    }

    public mutating func ingest(_ segment: Segment, frame: Int, time: Timestamp) {
        let key = FlowKey(segment)
        guard let index = current[key] else {
            startConnection(key: key, segment: segment, frame: frame, time: time, previous: nil)
            return
        }
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst) {
            let old = connections[index]
            let sender = old.senderIndex(of: segment)
            if old.isFinished && old[sender].isn != segment.sequence {
                startConnection(key: key, segment: segment, frame: frame, time: time, previous: index)
                return
            }
        }
        connections[index].apply(segment, frame: frame, time: time)
    }

    private mutating func startConnection(key: FlowKey, segment: Segment, frame: Int, time: Timestamp,
                                          previous: Int?) {
        var connection = Connection(id: connections.count + 1, key: key, first: segment, frame: frame, time: time,
                                    recordTimeline: options.recordTimeline)
        connection.apply(segment, frame: frame, time: time)
        if let previous, let twStart = connections[previous].timeWaitStart {
            let gap = twStart.interval(to: time)
            if gap <= 2 * options.msl {
                let old = connections[previous]
                let oldSender = old.senderIndex(of: segment)
                let holder = old.timeWaitSide.map(\.rawValue) ?? "?"
                var verdict = "the old connection's final sequence number is unknown"
                if let oldFinal = old[oldSender].highestSequence {
                    verdict = oldFinal < segment.sequence
                        ? "new ISN \(segment.sequence) is beyond the old final sequence \(oldFinal): acceptable "
                            + "reuse (RFC 1122 4.2.2.13, RFC 6191)"
                        : "new ISN \(segment.sequence) is not beyond the old final sequence \(oldFinal): old "
                            + "duplicates could be taken as new data"
                }
                connection.report(.timeWaitReuse, frame: frame, time: time, sender: 0,
                                  "SYN \(Format.seconds(gap)) after the \(holder) entered TIME_WAIT in connection "
                                      + "\(old.id) (2·MSL = \(Format.seconds(2 * options.msl))); \(verdict)")
                connections[previous].reusedAfter = gap
                connections[previous].reusedAt = time
            }
        }
        current[key] = connections.count
        connections.append(connection)
    }

    /// Ends the trace: every connection gets its end-of-capture findings. Returns them by first frame.
    public mutating func finish() -> [Connection] {
        for i in connections.indices { connections[i].finish() }
        return connections
    }
}
