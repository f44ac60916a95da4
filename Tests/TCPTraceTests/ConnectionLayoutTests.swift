import Testing

@testable import TCPTrace

/// What the tracker holds per connection: the streaming analysis holds tens of thousands at once
/// (docs/performance.md: the `many` capture's peak RSS), so a field added, or a layout change that adds
/// padding, shows here first. The bounds were the sizes at the restructure (Connection 1,400 bytes, endpoint
/// 552 bytes on 64-bit Linux); RST acceptability raised them on purpose to 1,448 and 568 (each endpoint's
/// latest ACK, TTL range and SYN retry timing; the evidence a RST waits for is kept out of line, a pointer
/// each), then Zeek's history (the repeated and logarithmic letters' per-direction counts: 66 bytes), the
/// bad-checksum count and the samples dropped at a backward time step to 1,544 and 576; the tunnels' out-of-line
/// pointer, the interfaces and capture duplicates (issue 20: 16 bytes, placed last) to 1,560; issue 21 moved the
/// state transitions (104 bytes per endpoint, instead of an array's reference and its 192-byte heap block) and
/// the Zeek history letters (24 bytes, instead of two arrays and their heap blocks) inline, to 680 and 1,792: a
/// connection with its heap blocks is smaller than before (peak RSS on 50,000 short connections 131.9 MB, was
/// 133.4). Issue 23's clocks (where each direction's time went: time per label, the ledger since the last
/// transmission, the request/response turns, when the peer was last heard: 2 × 232 bytes) and the report band's optional took the connection to
/// 2,264 bytes (peak RSS on the 1M-connection capture 162.7 MB, was 157.2; on 50,000 short connections 148.3 MB,
/// was 130.4). Issue 24's conn.log took them to 688 and 2,296: each endpoint's IP-level bytes (8), Zeek's data
/// start per direction and its LastTime (16): peak RSS on the 200,000-connection `many` capture 91.5 MB, was
/// 90.0, of which 1.2 MB is the larger binary at start-up (BoringSSL, swift-prometheus). Session 17 stored the
/// fields in the order the per-segment path reads them (`hotFieldsComeFirst`), which also left less padding:
/// 680 and 2,272. Raise them only on purpose, with the memory figure in the commit.
@Suite struct ConnectionLayoutTests {
    @Test func connectionAndEndpointSizes() {
        #expect(MemoryLayout<HalfConnection>.stride <= 680)
        #expect(MemoryLayout<Connection>.stride <= 2_272)
    }

    /// Where a stored field starts and ends in its struct.
    static func span<T, V>(_ field: KeyPath<T, V>) -> Range<Int> {
        let start = MemoryLayout<T>.offset(of: field)!
        return start..<start + MemoryLayout<V>.size
    }

    /// The fields most segments read or change lie before those only a connection's start, close and report
    /// use, in the connection, in each endpoint and in each endpoint's data-phase figures (a segment then
    /// touches the first lines of each, not all of them: docs/performance.md, session 17, measured 20 % fewer
    /// L1 read misses). The lists are what `Connection.apply` and what it calls read on a data segment or an
    /// ACK; a field added among them goes where it is read.
    @Test func hotFieldsComeFirst() {
        let endpointHot = [
            Self.span(\HalfConnection.endpoint), Self.span(\HalfConnection.state),
            Self.span(\HalfConnection.zeekState), Self.span(\HalfConnection.highestSequence),
            Self.span(\HalfConnection.finSequence), Self.span(\HalfConnection.lastAckSent),
            Self.span(\HalfConnection.packets), Self.span(\HalfConnection.payloadBytes),
            Self.span(\HalfConnection.ipBytes),
        ]
        let statsStart = MemoryLayout<HalfConnection>.offset(of: \HalfConnection.stats)!
        let statsHot = [
            Self.span(\DirectionStats.pending), Self.span(\DirectionStats.pendingHead),
            Self.span(\DirectionStats.lastAck), Self.span(\DirectionStats.lastWindow),
            Self.span(\DirectionStats.rightEdge), Self.span(\DirectionStats.windowCount),
            Self.span(\DirectionStats.windowSum), Self.span(\DirectionStats.lastSent),
            Self.span(\DirectionStats.truncatedBytes),
        ].map { ($0.lowerBound + statsStart)..<($0.upperBound + statsStart) }
        let endpointCold = [
            Self.span(\HalfConnection.transitions), Self.span(\HalfConnection.synCount),
            Self.span(\HalfConnection.rstCount), Self.span(\HalfConnection.handshakeAckChecked),
            Self.span(\HalfConnection.peerFinPending),
        ]
        let statsCold = [
            Self.span(\DirectionStats.sackAcks), Self.span(\DirectionStats.keepAlives),
            Self.span(\DirectionStats.holes), Self.span(\DirectionStats.backwardSamples),
        ]
        let hotEnd = (endpointHot + statsHot).map(\.upperBound).max()!
        // Four cache lines of each endpoint hold what a segment reads of it.
        #expect(hotEnd <= 256)
        #expect(statsHot.allSatisfy { $0.upperBound <= statsStart + Self.span(\DirectionStats.rtt).lowerBound })
        #expect(statsCold.allSatisfy { $0.lowerBound >= Self.span(\DirectionStats.rtt).upperBound })
        #expect(endpointCold.allSatisfy { $0.lowerBound >= hotEnd })

        let connectionHot = [
            Self.span(\Connection.key), Self.span(\Connection.end), Self.span(\Connection.start),
            Self.span(\Connection.lastFrame), Self.span(\Connection.previousConnectionID),
            Self.span(\Connection.countedAsAttempt), Self.span(\Connection.lastDataSender),
            Self.span(\Connection.facts), Self.span(\Connection.zeek), Self.span(\Connection.sideA),
            Self.span(\Connection.sideB),
        ]
        let connectionCold = [
            Self.span(\Connection.id), Self.span(\Connection.firstFrame), Self.span(\Connection.findings),
            Self.span(\Connection.reusedAfter), Self.span(\Connection.previousSpace),
            Self.span(\Connection.truncatedSegments), Self.span(\Connection.badChecksums),
        ]
        let connectionHotEnd = connectionHot.map(\.upperBound).max()!
        #expect(connectionCold.allSatisfy { $0.lowerBound >= connectionHotEnd })
        // What every segment reads of the facts fits their first line.
        #expect(Self.span(\ConnectionFacts.clientIndex).upperBound <= 64)
        #expect(Self.span(\ConnectionFacts.timeline).upperBound <= 64)
        #expect(Self.span(\ConnectionFacts.band).upperBound <= 64)
        #expect(Self.span(\ConnectionFacts.roleEvidence).lowerBound >= Self.span(\ConnectionFacts.band).upperBound)
    }
}
