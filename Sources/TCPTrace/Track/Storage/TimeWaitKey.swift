/// A 4-tuple packed without padding for the TIME_WAIT table.
protocol TimeWaitKey: Equatable {
    /// nil when the 4-tuple does not fit this packing (an IPv6 address in an IPv4 key).
    init?(_ key: FlowKey)
    var hash: UInt64 { get }
}
