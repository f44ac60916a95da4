/// The two endpoints of a TCP 4-tuple in canonical order, so that both directions give one value (`FlowKey`
/// without its tunnel). `extract` matches the 4-tuple an ICMP error quotes against its connections with it.
struct EndpointPair: Hashable, Sendable {
    var lower: Endpoint
    var upper: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        (lower, upper) = a < b ? (a, b) : (b, a)
    }
}
