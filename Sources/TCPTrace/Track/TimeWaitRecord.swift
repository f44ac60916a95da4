/// What is kept of a finalized connection while its 4-tuple is inside the 2·MSL window: enough to recognise
/// and judge a reuse (RFC 1122 4.2.2.13, RFC 6191), a few dozen bytes instead of the whole connection.
struct TimeWaitRecord: Sendable {
    var connectionID: Int
    var timeWaitStart: Timestamp?
    var holder: Initiator?
    var lowerEndpoint: Endpoint
    /// One past the highest sequence number each endpoint used.
    var lowerFinal: SequenceNumber?
    var upperFinal: SequenceNumber?

    init(_ c: Connection) {
        connectionID = c.id
        timeWaitStart = c.timeWaitStart
        holder = c.timeWaitSide
        lowerEndpoint = c.key.lower
        let lowerIndex = c.sideA.endpoint == c.key.lower ? 0 : 1
        lowerFinal = c[lowerIndex].highestSequence
        upperFinal = c[1 - lowerIndex].highestSequence
    }

    /// The old final sequence number of the endpoint that now sends from `source`.
    func finalSequence(from source: Endpoint) -> SequenceNumber? {
        source == lowerEndpoint ? lowerFinal : upperFinal
    }
}
