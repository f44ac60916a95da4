/// One side of a connection: address and port.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String { address.endpoint(port: port) }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { (lhs.address, lhs.port) < (rhs.address, rhs.port) }
}

/// A TCP 4-tuple with its two endpoints in canonical order, so both directions map to one key.
public struct FlowKey: Hashable, Sendable {
    public var lower: Endpoint
    public var upper: Endpoint

    @inline(__always)
    public init(_ segment: Segment) {
        let source = Endpoint(address: segment.source, port: segment.sourcePort)
        let destination = Endpoint(address: segment.destination, port: segment.destinationPort)
        if source < destination {
            lower = source; upper = destination
        } else {
            lower = destination; upper = source
        }
    }
}
