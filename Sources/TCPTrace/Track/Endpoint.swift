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
