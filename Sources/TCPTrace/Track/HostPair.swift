/// A client address talking to one server address:port.
public struct HostPair: Hashable, Sendable, Comparable {
    public var client: IPAddress
    public var server: Endpoint

    public static func < (a: HostPair, b: HostPair) -> Bool { (a.client, a.server) < (b.client, b.server) }
}
