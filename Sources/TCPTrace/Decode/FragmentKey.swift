/// The fields that put IP fragments back together (RFC 791 3.2, RFC 8200 4.5): source, destination and the
/// datagram's identification (16 bits in IPv4, 32 in IPv6). Only fragments of TCP datagrams get one.
public struct FragmentKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var identification: UInt32

    public init(source: IPAddress, destination: IPAddress, identification: UInt32) {
        self.source = source
        self.destination = destination
        self.identification = identification
    }
}
