/// The connection's layout (docs/json.md, "connections"), written once here for the json document, the jsonl
/// lines and, in part (`endpoint`, `finding`, `zeek`), the live events.
extension JSONReport {
    /// Appends connection `c` to `out` as JSON: one line if `pretty` is false (jsonl), else indented from
    /// level `indent` (two spaces a level, as `JSONValue.serialized`). `out` is appended to: a caller writing
    /// many connections clears it with `removeAll(keepingCapacity: true)` between them.
    public static func writeConnection(
        _ c: Connection, options: AnalysisOptions, pretty: Bool, indent: Int,
        into out: inout [UInt8]
    ) {
        JSONWriter.appending(to: &out, indent: pretty ? indent : nil) { w in
            c.withClientAndServer { client, server in
                write(c, client: client, server: server, options: options, to: &w)
            }
        }
    }

    private static func write(
        _ c: Connection, client: borrowing HalfConnection, server: borrowing HalfConnection,
        options: AnalysisOptions, to w: inout JSONWriter
    ) {
        let twStart = c.timeWaitStart
        let twEnd = timeWaitEnd(c, start: twStart, options: options)
        w.beginObject()
        w.member(.id, c.id)
        w.key(.client); write(client.endpoint, to: &w)
        w.key(.server); write(server.endpoint, to: &w)
        // (The closure captures the endpoints and the seed, not `c` and `options`: capturing those copied the
        // whole connection, retaining and releasing each of its arrays, for every line.)
        let a = c.sideA.endpoint, b = c.sideB.endpoint, seed = options.communityIDSeed
        w.member(.communityID) { buffer in
            CommunityID.withText(a, b, seed: seed) { buffer.write($0) }
        }
        w.member(.roleEvidence, word: c.roleEvidence.rawValue)
        w.member(.firstFrame, c.firstFrame)
        w.member(.lastFrame, c.lastFrame)
        w.member(.start, time: c.start)
        w.member(.end, time: c.end)
        w.member(.startISO, iso: c.start)
        w.member(.endISO, iso: c.end)
        w.member(.duration, c.start.interval(to: c.end))
        w.key(.packets); w.beginObject()
        w.member(.client, client.packets)
        w.member(.server, server.packets)
        w.endObject()
        writeBytes(client: client, server: server, to: &w)
        if options.verifyChecksums { w.member(.badChecksums, Int(c.badChecksums)) }
        if let tunnels = c.tunnels { writeTunnel(tunnels, c, to: &w) }
        if c.interfaceMask != 0 {  // (a capture with several interfaces)
            w.key(.interfaces); w.beginArray()
            for i in c.interfaces { w.value(i) }
            w.endArray()
            w.member(.captureDuplicates, Int(c.captureDuplicates))
        }

        w.key(.handshake); w.beginObject()
        w.member(.outcome, word: c.handshakeOutcome.rawValue)
        w.member(.synFrame, client.synFrame)
        w.member(.synackFrame, server.synAckFrame)
        w.member(.ackFrame, server.synAckFrame != nil ? client.ackedPeerSynFrame : nil)
        w.member(.synCount, client.synCount)
        w.member(.synackCount, server.synAckCount)
        w.member(.rtt, c.handshakeRTT)
        w.member(.clientISN, client.isn.map { Int($0.rawValue) })
        w.member(.serverISN, server.isn.map { Int($0.rawValue) })
        w.key(.options); w.beginObject()
        w.key(.client); write(client.synOptions, to: &w)
        w.key(.server); write(server.synOptions, to: &w)
        w.endObject()
        w.endObject()

        w.key(.close); w.beginObject()
        w.member(.kind, word: c.closeKind.rawValue)
        w.member(.initiator, word: c.closeInitiator?.rawValue)
        w.key(.frames); w.beginObject()
        w.member(.clientFin, client.finFrame)
        w.member(.serverFin, server.finFrame)
        w.member(.clientFinAcked, client.finAckedFrame)
        w.member(.serverFinAcked, server.finAckedFrame)
        w.member(.rst, c.resetFrame)
        w.endObject()
        w.member(.rstSender, word: c.resetSender.map { c.role(of: $0).rawValue })
        w.endObject()

        writeStates(client: client, server: server, to: &w)
        w.key(.transitions); w.beginObject()
        w.key(.client); writeTransitions(client, to: &w)
        w.key(.server); writeTransitions(server, to: &w)
        w.endObject()
        w.key(.timeWait); w.beginObject()
        w.member(.side, word: c.timeWaitSide?.rawValue)
        w.member(.start, time: twStart)
        w.member(.end, time: twEnd)
        w.member(.reusedAfter, c.reusedAfter)
        w.endObject()
        w.key(.zeek); writeZeek(c, to: &w)
        writeTiming(c.timing, timeWait: twStart.flatMap { s in twEnd.map { s.interval(to: $0) } }, to: &w)
        w.key(.stats); w.beginObject()
        w.key(.client); DirectionFigures.write(c, c.clientIndex, to: &w)
        w.key(.server); DirectionFigures.write(c, c.serverIndex, to: &w)
        w.endObject()
        w.key(.findings); w.beginArray()
        for f in c.findings { write(f, in: c, to: &w) }
        w.endArray()
        w.endObject()
    }

    /// `"timing"`: where the connection's time went (docs/timing.md), seconds and shares of the duration.
    static func writeTiming(_ t: ConnectionTiming, timeWait: Double?, to w: inout JSONWriter) {
        let diagnosis = t.diagnosis
        w.key(.timing); w.beginObject()
        w.member(.cause, word: diagnosis.cause.rawValue)
        w.member(.diagnosis, ascii: { diagnosis.write(into: &$0) })
        w.member(.capturePoint, word: t.capturePoint.rawValue)
        w.key(.handshake); w.beginObject()
        w.member(.total, t.handshake)
        w.member(.synRetransmitWait, t.synRetransmitWait)
        w.member(.synackRetransmitWait, t.synackRetransmitWait)
        w.endObject()
        w.key(.client); writeTiming(t.client, duration: t.duration, to: &w)
        w.key(.server); writeTiming(t.server, duration: t.duration, to: &w)
        w.key(.close); w.beginObject()
        w.member(.halfClosed, t.halfClosed)
        w.member(.closeWait, t.closeWait)
        w.member(.closeWaitSide, word: t.closeWaitRole?.rawValue)
        w.member(.timeWait, timeWait)
        w.endObject()
        w.endObject()
    }

    private static func writeTiming(_ d: DirectionTiming, duration: Double, to w: inout JSONWriter) {
        w.beginObject()
        writeLabels(d, to: &w) { $0 }
        w.member(.transfer, d.transfer)
        w.key(.shares); w.beginObject()
        writeLabels(d, to: &w) { DirectionTiming.share($0, of: duration) }
        w.endObject()
        w.member(.rtoStalls, d.rtoStalls)
        w.member(.longestStall, d.longestStall)
        w.member(.thinkTime, d.thinkTime)
        w.member(.exchanges, d.exchanges)
        w.member(.longestThink, d.longestThink)
        w.member(.runTime, d.transferTime)
        w.endObject()
    }

    /// The six labels in priority order, each as `value` makes it (its seconds, or its share).
    @inline(__always)
    private static func writeLabels(_ d: DirectionTiming, to w: inout JSONWriter, _ value: (Double) -> Double) {
        w.member(.rtoStall, value(d.rtoStall))
        w.member(.lossRecovery, value(d.lossRecovery))
        w.member(.rwndLimited, value(d.rwndLimited))
        w.member(.busy, value(d.busy))
        w.member(.appLimited, value(d.appLimited))
        w.member(.idle, value(d.idle))
    }

    /// `"tunnel": [layer, …]`, outermost first: each layer's kind, VNI, and per direction (as the client and as
    /// the server sent) the outer addresses, the outer UDP source port and the TEID, GRE key or ERSPAN session.
    private static func writeTunnel(_ t: ConnectionTunnels, _ c: Connection, to w: inout JSONWriter) {
        let client = t.paths[c.clientIndex]
        let server = t.paths[c.serverIndex]
        guard let layers = client ?? server else { return }
        w.key(.tunnel); w.beginArray()
        for (i, layer) in layers.enumerated() {
            w.beginObject()
            w.member(.kind, word: layer.kind.name)
            if let vni = layer.vni { w.member(.vni, Int(vni)) }
            w.key(.client); writeTunnelDirection(client.flatMap { i < $0.count ? $0[i] : nil }, of: layer, to: &w)
            w.key(.server); writeTunnelDirection(server.flatMap { i < $0.count ? $0[i] : nil }, of: layer, to: &w)
            w.endObject()
        }
        w.endArray()
    }

    /// One direction of a tunnel layer, or `null` when that side sent nothing through it; its own VNI when it
    /// differs from the layer's (an overlay that carries each direction in another network).
    private static func writeTunnelDirection(_ layer: TunnelLayer?, of first: TunnelLayer, to w: inout JSONWriter) {
        guard let layer else { w.null(); return }
        w.beginObject()
        if let vni = layer.vni, vni != first.vni { w.member(.vni, Int(vni)) }
        w.member(.source, address: layer.source)
        w.member(.destination, address: layer.destination)
        if let port = layer.sourcePort { w.member(.sourcePort, Int(port)) }
        if let id = layer.directionalID { w.member(directionalIDKey(layer.kind), Int(id)) }
        w.endObject()
    }

    /// What a layer's per-direction id is called (JSON and `--long`): a GTP-U TEID, an ERSPAN session, a GRE key.
    static func directionalIDKey(_ kind: TunnelKind) -> JSONKey {
        switch kind {
        case .gtpU: .teid
        case .erspan: .session
        default: .key
        }
    }

    /// `"bytes": {client, server}`: the payload bytes each side sent (a connection and a live `closed` event).
    static func writeBytes(
        client: borrowing HalfConnection, server: borrowing HalfConnection, to w: inout JSONWriter
    ) {
        w.key(.bytes); w.beginObject()
        w.member(.client, Int64(client.payloadBytes))
        w.member(.server, Int64(server.payloadBytes))
        w.endObject()
    }

    /// `"states": {client, server}`: each side's last state (a connection and a live `closed` event).
    static func writeStates(
        client: borrowing HalfConnection, server: borrowing HalfConnection, to w: inout JSONWriter
    ) {
        w.key(.states); w.beginObject()
        w.member(.client, word: client.state.staticName)
        w.member(.server, word: server.state.staticName)
        w.endObject()
    }

    /// `{address, port}`.
    static func write(_ e: Endpoint, to w: inout JSONWriter) {
        w.beginObject()
        w.member(.address, address: e.address)
        w.member(.port, Int(e.port))
        w.endObject()
    }

    /// What a SYN (or SYN-ACK) offered, or `null` if the side sent none.
    private static func write(_ o: TCPOptions?, to w: inout JSONWriter) {
        guard let o else { w.null(); return }
        w.beginObject()
        w.member(.mss, o.mss.map(Int.init))
        w.member(.windowScale, o.windowScale.map(Int.init))
        w.member(.sackPermitted, o.sackPermitted)
        w.member(.timestamps, o.timestampValue != nil)
        w.endObject()
    }

    private static func writeTransitions(_ side: HalfConnection, to w: inout JSONWriter) {
        w.beginArray()
        for t in side.transitions {
            w.beginObject()
            w.member(.frame, t.frame)
            w.member(.state, word: t.state.staticName)
            w.endObject()
        }
        w.endArray()
    }

    /// `{conn_state, history}`: Zeek's verdict and history letters.
    static func writeZeek(_ c: Connection, to w: inout JSONWriter) {
        w.beginObject()
        w.member(.connState, word: c.zeekConnState)
        w.member(.history, c.zeekHistory)
        w.endObject()
    }

    /// `{code, severity, frame, time, sender, detail}`, and `ttl: {rst, sender}` on a RST's finding whose TTL
    /// differs from its sender's other segments; `sender` is the role of the side that sent the segment.
    static func write(_ f: Finding, in c: Connection, to w: inout JSONWriter) {
        w.beginObject()
        w.member(.code, word: f.code.rawValue)
        w.member(.severity, word: f.severity.rawValue)
        w.member(.frame, f.frame)
        w.member(.time, time: f.time)
        w.member(.sender, word: f.senderIndex.map { c.role(of: $0).rawValue })
        w.member(.detail, f.text)
        if let ttl = f.ttl {
            w.key(.ttl)
            w.beginObject()
            w.member(.rst, Int(ttl.rst))
            w.member(.sender, Int(ttl.sender))
            w.endObject()
        }
        w.endObject()
    }

    /// 2 MSL after TIME_WAIT began (`start`, the connection's `timeWaitStart`, which is not free to ask
    /// twice), or earlier if a new incarnation reused the pair.
    static func timeWaitEnd(_ c: Connection, start: Timestamp?, options: AnalysisOptions) -> Timestamp? {
        guard let start else { return nil }
        let end = Timestamp(nanoseconds: start.nanoseconds + Int64(2 * options.tracker.msl * 1e9))
        if let reusedAt = c.reusedAt, reusedAt < end { return reusedAt }
        return end
    }
}
