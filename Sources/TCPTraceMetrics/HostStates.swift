import DequeModule
import TCPTrace

/// Per-host open connections and TIME_WAIT, followed from live events alone (no look into the tracker):
///
/// - **open**: a connection counts for its server's address from its `opened` event (the handshake has an
///   outcome, or it was already open when the capture began) to its `closed` event (FINs both acknowledged, a
///   RST, or finalized idle or at the end). A connection dropped from memory at `--max-connections` leaves
///   through `dropped(_:)`.
/// - **TIME_WAIT**: from a `closed` event whose connection left a side in TIME_WAIT, the address of each
///   side holding it counts for 2·MSL from the start of its TIME_WAIT (RFC 9293 3.6.1), by capture time; a new
///   connection on the same 4-tuple ends it early (its `opened` event), as it does on the host.
///
/// Capture time moves with the events and with `advance(to:)`, which a quiet interface's tick calls.
public struct HostStates: Sendable {
    public private(set) var open = HostTally()
    public private(set) var timeWait = HostTally()
    /// 2·MSL in nanoseconds.
    private let window: Int64
    /// Server address of each connection counted as open.
    private var openHosts: [Int: IPAddress] = [:]
    /// Holders of the 4-tuples in TIME_WAIT, with the connection that left them there.
    private var waiting: [FlowKey: (id: Int, holder: IPAddress, other: IPAddress?)] = [:]
    /// When each TIME_WAIT ends, in the order they were added: closes come (nearly) in capture-time order, so
    /// the front is (nearly) the next to end; one that ends a little later than a successor only waits longer
    /// behind it, by no more than the disorder of the close events.
    private var expiries = Deque<(end: Int64, key: FlowKey, id: Int)>()

    public init(msl: Double) {
        window = Int64(2 * msl * 1e9)
    }

    public mutating func observe(_ event: LiveEvent) {
        let c = event.connection
        switch event.kind {
        case .opened:
            if let old = waiting[c.key], old.id != c.id { endTimeWait(c.key) }
            let server = c.server.endpoint.address
            openHosts[c.id] = server
            open.add(server)
        case .closed:
            if let server = openHosts.removeValue(forKey: c.id) { open.add(server, -1) }
            if let side = c.timeWaitSide, let start = c.timeWaitStart {
                let client = c.client.endpoint.address, server = c.server.endpoint.address
                let (holder, other): (IPAddress, IPAddress?) =
                    switch side {
                    case .client: (client, nil)
                    case .server: (server, nil)
                    case .both: (client, server)
                    }
                endTimeWait(c.key)
                waiting[c.key] = (c.id, holder, other)
                timeWait.add(holder)
                if let other { timeWait.add(other) }
                expiries.append((start.nanoseconds &+ window, c.key, c.id))
            }
        case .finding:
            break
        }
        advance(to: event.time)
    }

    /// A connection the tracker dropped from memory at its caps: it gets no `closed` event.
    public mutating func dropped(_ id: Int) {
        if let server = openHosts.removeValue(forKey: id) { open.add(server, -1) }
    }

    /// Ends every TIME_WAIT whose 2·MSL is over by capture time `now`.
    public mutating func advance(to now: Timestamp) {
        while let first = expiries.first, first.end <= now.nanoseconds {
            expiries.removeFirst()
            if waiting[first.key]?.id == first.id { endTimeWait(first.key) }
        }
    }

    private mutating func endTimeWait(_ key: FlowKey) {
        guard let old = waiting.removeValue(forKey: key) else { return }
        timeWait.add(old.holder, -1)
        if let other = old.other { timeWait.add(other, -1) }
    }
}
