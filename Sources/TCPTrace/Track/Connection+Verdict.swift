extension Connection {
    public var handshakeOutcome: HandshakeOutcome {
        let c = clientIndex, s = serverIndex
        if simultaneousOpen { return .simultaneousOpen }
        if side(c, \.synFrame) != nil {
            if side(s, \.synAckFrame) != nil {
                if side(c, \.ackedPeerSynFrame) != nil { return .complete }
                if resetFrame != nil { return .aborted }
                return .halfOpen
            }
            if resetFrame != nil && resetSender == serverIndex { return .refused }
            return .synOnly
        }
        if side(s, \.synAckFrame) != nil { return .synackOnly }
        return .notSeen
    }

    public var closeKind: CloseKind {
        if resetFrame != nil && resetBeforeClose { return .reset }
        if let closeShape { return closeShape }
        return .notClosed
    }

    public var closeInitiator: Initiator? {
        switch closeKind {
        case .notClosed: return nil
        case .simultaneous: return .both
        case .reset: return resetSender.map { $0 == clientIndex ? .client : .server }
        default: return firstFinSender.map { $0 == clientIndex ? .client : .server }
        }
    }

    /// Which side(s) entered TIME_WAIT.
    public var timeWaitSide: Initiator? {
        let (a, b) = (sideA.timeWaitStart != nil, sideB.timeWaitStart != nil)
        return switch clientIndex == 0 ? (a, b) : (b, a) {
        case (true, true): .both
        case (true, false): .client
        case (false, true): .server
        case (false, false): nil
        }
    }

    /// The earliest entry into TIME_WAIT of either side.
    public var timeWaitStart: Timestamp? {
        switch (sideA.timeWaitStart, sideB.timeWaitStart) {
        case let (a?, b?): min(a, b)
        case let (a, b): a ?? b
        }
    }

    /// Handshake round trip seen from the capture point: SYN to the client's ACK of the SYN-ACK.
    public var handshakeRTT: Double? {
        withClientAndServer { client, _ in Connection.handshakeRTT(client: client) }
    }

    /// The handshake round trip seen by the client endpoint: its SYN to its ACK of the SYN-ACK.
    /// nil when a backward timestamp step lies between the two (`backwardSamples`).
    static func handshakeRTT(client: borrowing HalfConnection) -> Double? {
        guard let syn = client.synTime, let ack = client.ackedPeerSynTime, client.synFrame != nil else { return nil }
        let rtt = syn.interval(to: ack)
        return rtt >= 0 ? rtt : nil
    }

    /// RTT and idle samples dropped for a backward timestamp step; the handshake's round trips (SYN to
    /// SYN-ACK, SYN-ACK to ACK, SYN to ACK) count one if a later frame of the three is stamped earlier (in a
    /// simultaneous open the SYN-ACK can come after the ACK of the SYN: no step, no sample).
    public var backwardSamples: Int {
        // (No arrays: this runs for every connection, in the totals.)
        let handshake = withClientAndServer { client, server in
            Connection.stepsBack(
                (client.synFrame, client.synTime), (server.synAckFrame, server.synAckTime),
                (client.ackedPeerSynFrame, client.ackedPeerSynTime)) ? 1 : 0
        }
        return Int(sideA.stats.backwardSamples) + Int(sideB.stats.backwardSamples) + handshake
    }

    /// Of three (frame, time) events, some of them unknown: is a later frame stamped earlier than another?
    static func stepsBack(_ a: (Int?, Timestamp?), _ b: (Int?, Timestamp?), _ c: (Int?, Timestamp?)) -> Bool {
        func back(_ x: (Int?, Timestamp?), _ y: (Int?, Timestamp?)) -> Bool {
            guard let fx = x.0, let tx = x.1, let fy = y.0, let ty = y.1 else { return false }
            return (fx < fy && ty < tx) || (fy < fx && tx < ty)
        }
        return back(a, b) || back(b, c) || back(a, c)
    }

    /// Called once at the end of the trace: raises what only the end can show (unanswered SYN, missing
    /// ACKs, not closed), and fixes the roles of a mid-stream connection.
    mutating func finish(options: TrackerOptions = TrackerOptions()) {
        // What waited for evidence that never came: a RST inside the window reset; a wrong SYN-ACK stands.
        confirmPendingReset()
        if let stale = facts.staleAnswer {
            facts.staleAnswer = nil
            reportUnansweredStaleAnswer(stale)
        }
        if roleEvidence == .portHeuristic && sideA.synFrame == nil && sideB.synFrame == nil
            && sideA.synAckFrame == nil && sideB.synAckFrame == nil
        {
            // Mid-stream: the server is the endpoint with the lower port; a tie keeps the first receiver.
            clientIndex =
                sideB.endpoint.port < sideA.endpoint.port ? 0 : (sideA.endpoint.port < sideB.endpoint.port ? 1 : 0)
            report(
                .midStream, frame: firstFrame, time: start, sender: nil,
                "no SYN or SYN-ACK in the capture: the connection was already open; the server is taken to be "
                    + "the endpoint with the lower port")
        }
        let c = clientIndex, sv = serverIndex
        // Fields are read in place (`side`): a copy of each endpoint retained and released its arrays.
        if let synFrame = side(c, \.synFrame), side(sv, \.synAckFrame) == nil, resetFrame == nil, !simultaneousOpen {
            report(
                .synUnanswered, frame: synFrame, time: side(c, \.synTime) ?? start, sender: c,
                "\(side(c, \.synCount)) SYN(s), no SYN-ACK or RST in the capture")
        }
        if let synAckFrame = side(sv, \.synAckFrame), side(c, \.ackedPeerSynFrame) == nil, resetFrame == nil,
            !simultaneousOpen
        {
            report(
                .handshakeAckMissing, frame: synAckFrame, time: side(sv, \.synAckTime) ?? start, sender: sv,
                "\(side(sv, \.synAckCount)) SYN-ACK(s), the client's ACK never seen: half-open")
        }
        for i in 0..<2 {
            if let finFrame = side(i, \.finFrame), side(i, \.finAckedFrame) == nil,
                resetFrame.map({ $0 < finFrame }) ?? true
            {
                report(
                    .finUnacked, frame: finFrame, time: side(i, \.finTime) ?? end, sender: i,
                    "the FIN at frame \(finFrame) is never acknowledged in the capture")
            }
        }
        if sideA.finFrame == nil && sideB.finFrame == nil && resetFrame == nil
            && (side(c, \.ackedPeerSynFrame) != nil || roleEvidence == .portHeuristic || simultaneousOpen)
        {
            report(
                .notClosed, frame: lastFrame, time: end, sender: nil,
                "the capture ends with the connection open (client \(side(c, \.state).rawValue), "
                    + "server \(side(sv, \.state).rawValue))")
        }
        if let frame = firstTruncatedFrame {
            report(
                .truncated, frame: frame, time: start, sender: nil,
                "\(truncatedSegments) segment(s) with TCP options cut by the snap length")
        }
        reportTiming(closeWaitThreshold: options.closeWaitThreshold)
        for (code, count) in findingTally where count > Connection.maxFindingsPerCode {
            if let last = findings.lastIndex(where: { $0.code == code }) {
                findings[last].text +=
                    " (and \(count - Connection.maxFindingsPerCode) more \(code.rawValue) not listed)"
            }
        }
        findings.sort { ($0.frame, $0.code) < ($1.frame, $1.code) }
    }

    // MARK: Zeek

    /// Zeek's `history`: originator (client) letters upper case; `^` first when the first packet came from
    /// the responder.
    public var zeekHistory: String {
        // Made as bytes: ASCII letters, upper case for the client's (a Character per letter cost more than
        // the rest of the line in JSON).
        String(unsafeUninitializedCapacity: zeek.letters.count + 1) { text in
            var n = 0
            if !firstSenderIsClient { text[0] = UInt8(ascii: "^"); n = 1 }
            for i in 0..<zeek.letters.count {
                let (letter, sender) = zeek.letters[i]
                text[n] = sender == clientIndex ? letter - 32 : letter
                n += 1
            }
            return n
        }
    }

    var firstSenderIsClient: Bool { clientIndex == 0 }

    /// Zeek's `conn_state`, following the rules of Zeek's `base/protocols/conn/main.zeek`.
    public var zeekConnState: String {
        let os = side(clientIndex, \.zeekState)
        let rs = side(serverIndex, \.zeekState)
        let oInactive = os == .inactive || os == .partial
        let rInactive = rs == .inactive || rs == .partial
        if rs == .reset {
            if os == .synSent || os == .synAckSent
                || (os == .reset && sideA.payloadBytes == 0 && sideB.payloadBytes == 0)
            {
                return "REJ"
            }
            return oInactive ? "RSTRH" : "RSTR"
        }
        if os == .reset {
            if rInactive {
                // Zeek: history matches ^?S[^HAFGIQ]*R.*
                let h = zeekHistory.drop { $0 == "^" }
                if h.first == "S", let r = h.firstIndex(of: "R"),
                    !h[h.startIndex..<r].contains(where: { "HAFGIQ".contains($0) })
                {
                    return "RSTOS0"
                }
                return "OTH"
            }
            return "RSTO"
        }
        if rs == .closed && os == .closed { return "SF" }
        if os == .closed { return rInactive ? "SH" : "S2" }
        if rs == .closed { return oInactive ? "SHR" : "S3" }
        if os == .synSent && rs == .inactive { return "S0" }
        if os == .established && rs == .established { return "S1" }
        return "OTH"
    }
}
