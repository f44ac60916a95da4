/// What is kept of a finalized connection while its 4-tuple is inside the 2·MSL window: enough to recognise
/// and judge a reuse (RFC 1122 4.2.2.13, RFC 6191). 32 bytes, plus the 4-tuple key it is stored under.
struct TimeWaitRecord: Sendable {
    /// Nanoseconds since the epoch when the first side entered TIME_WAIT (0: never). First, for packing.
    private var start: Int64
    private var id: UInt32
    /// One past the highest sequence number each endpoint used (lower / upper endpoint of the key).
    private var lowerFinal: UInt32
    private var upperFinal: UInt32
    /// Each endpoint's ISN (bits 4 and 5 say whether known).
    private var lowerISN: UInt32
    private var upperISN: UInt32
    /// Bits 0-1: holder (0 none, 1 client, 2 server, 3 both); 2: lower final known; 3: upper final known;
    /// 4, 5: lower, upper ISN known; 6: the table's entry is live (`TimeWaitTable.Entry.live`).
    private var bits: UInt8

    /// Set by the TIME_WAIT table on its entries: the record is still its 4-tuple's (not taken or replaced).
    var isLive: Bool {
        get { bits & 64 != 0 }
        set { bits = newValue ? bits | 64 : bits & ~64 }
    }

    init(_ c: borrowing Connection) {
        id = UInt32(truncatingIfNeeded: c.id)
        start = c.timeWaitStart?.nanoseconds ?? 0
        let aIsLower = c.sideA.endpoint == c.key.lower
        let a = (final: c.sideA.highestSequence, isn: c.sideA.isn),
            b = (final: c.sideB.highestSequence, isn: c.sideB.isn)
        let (lower, upper) = aIsLower ? (a, b) : (b, a)
        lowerFinal = lower.final?.rawValue ?? 0
        upperFinal = upper.final?.rawValue ?? 0
        let holder: UInt8 =
            switch c.timeWaitSide {
            case nil: 0
            case .client?: 1
            case .server?: 2
            case .both?: 3
            }
        lowerISN = lower.isn?.rawValue ?? 0
        upperISN = upper.isn?.rawValue ?? 0
        bits =
            holder | (lower.final != nil ? 4 : 0) | (upper.final != nil ? 8 : 0)
            | (lower.isn != nil ? 16 : 0) | (upper.isn != nil ? 32 : 0)
    }

    /// The old sequence space of the endpoint at `endpoint`: its ISN to its final sequence number.
    func space(of endpoint: Endpoint, key: FlowKey) -> SequenceSpan? {
        let lower = endpoint == key.lower
        let known: UInt8 = lower ? 4 | 16 : 8 | 32
        guard bits & known == known else { return nil }
        return lower
            ? SequenceSpan(start: SequenceNumber(lowerISN), end: SequenceNumber(lowerFinal))
            : SequenceSpan(start: SequenceNumber(upperISN), end: SequenceNumber(upperFinal))
    }

    var connectionID: Int { Int(id) }
    var timeWaitStart: Timestamp? { start == 0 ? nil : Timestamp(nanoseconds: start) }

    var holder: Initiator? {
        switch bits & 3 {
        case 1: .client
        case 2: .server
        case 3: .both
        default: nil
        }
    }

    /// The old final sequence number of the endpoint that now sends from `source`.
    func finalSequence(from source: Endpoint, key: FlowKey) -> SequenceNumber? {
        if source == key.lower { return bits & 4 != 0 ? SequenceNumber(lowerFinal) : nil }
        return bits & 8 != 0 ? SequenceNumber(upperFinal) : nil
    }
}
