/// Which frames of `extract`'s second reading belong to a chosen connection: its segments (late ones too, as
/// the tracker names them), the later fragments of its fragmented datagrams, and ICMP errors that quote its
/// 4-tuple. It keeps the 4-tuple of each chosen connection seen so far (the latest connection of a 4-tuple
/// wins) and, for `window` nanoseconds, the reassembly key of each of their fragmented datagrams: memory grows
/// with the chosen connections, not with the trace.
struct ChosenFrames {
    /// What a frame of a chosen connection is.
    enum Kind { case segment, fragment, icmpError }

    let ids: Set<Int>
    /// Later fragments are taken up to this long after their datagram's first fragment (nanoseconds).
    let window: Int64
    private var flows: [EndpointPair: Int] = [:]
    private var fragments: [FragmentKey: Timestamp] = [:]
    /// Datagrams kept before the old ones are looked for (doubled when none is old enough to go).
    private var fragmentLimit = 4096

    init(ids: Set<Int>, window: Int64) {
        self.ids = ids
        self.window = window
    }

    /// What `visit` (with its `bytes`) is to the chosen connections; nil when it belongs to none.
    mutating func kind(of visit: TraceFrame, _ bytes: UnsafeRawBufferPointer) -> Kind? {
        let now = visit.record.timestamp
        if visit.isSegment {
            guard ids.contains(visit.connection) else { return nil }
            if let pair = visit.endpoints { flows[pair] = visit.connection }
            if visit.isFirstFragment,
                case .fragment(let key, _) = PacketDecoder.related(bytes, linkType: visit.interface.linkType)
            {
                if fragments.count >= fragmentLimit {
                    fragments = fragments.filter { now.nanoseconds &- $0.value.nanoseconds <= window }
                    fragmentLimit = max(4096, 2 * fragments.count)
                }
                fragments[key] = now
            }
            return .segment
        }
        switch PacketDecoder.related(bytes, linkType: visit.interface.linkType) {
        case .fragment(let key, first: false):
            guard let first = fragments[key], now.nanoseconds &- first.nanoseconds <= window else { return nil }
            return .fragment
        case .icmpError(let source, let destination):
            return flows[EndpointPair(source, destination)] == nil ? nil : .icmpError
        default:
            return nil
        }
    }
}
