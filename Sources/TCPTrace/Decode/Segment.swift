/// One decoded TCP segment: a plain value holding no reference to the packet buffer.
///
/// `payloadLength` comes from the IP header (total length minus headers), never from the captured length,
/// so Ethernet padding is not payload and a snap-length cut does not shorten the segment.
public struct Segment: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: SequenceNumber
    public var acknowledgment: SequenceNumber
    public var flags: TCPFlags
    /// Raw advertised window (not yet scaled).
    public var window: UInt16
    /// TCP payload bytes according to the IP header.
    public var payloadLength: UInt32
    /// Payload bytes actually present in the capture (less than `payloadLength` after a snap-length cut).
    public var capturedPayloadLength: UInt32
    public var options: TCPOptions
    /// TCP header length from the data offset field, in bytes.
    public var headerLength: UInt8
    /// The TCP options were cut by the snap length: the fixed header (and so the flags) is trustworthy,
    /// the options are only partly known.
    public var optionsTruncated: Bool
    /// First fragment of a fragmented IPv4/IPv6 datagram: `payloadLength` covers this fragment only.
    public var isFirstFragment: Bool
    /// The IPv4 TTL or IPv6 hop limit (a forged RST often arrives with another than its sender's segments).
    public var ttl: UInt8 = 0
    /// The checksums' verdict (`unverified` unless asked for: `--verify-checksums`).
    public var checksum = ChecksumStatus.unverified
    /// Its frame matches the run's `--filter` (`PacketFilter`): its connection is shown. (Here, in what was
    /// padding before `encapsulations`: the segment stays within its size.)
    public var matchesFilter = false
    /// The encapsulations the packet was unwrapped from (MPLS, PPPoE, 802.11, VXLAN, GRE, …).
    public var encapsulations: Encapsulation = []
    /// The tunnel layers around the segment, outermost first (empty for most packets).
    public var tunnelMarks = TunnelMarks()
    /// Seen a moment ago on another interface of the capture (`CaptureDuplicates`): counted on its
    /// connection, not used for state.
    public var isCaptureDuplicate = false
    /// The outermost UDP tunnel's outer source port (0: none), recorded per direction on the connection.
    public var tunnelSourcePort: UInt16 = 0
    /// The interned tunnel identity (0: not tunnelled; `TunnelRegistry`): part of the connection's key.
    public var tunnel: UInt32 = 0
    /// The interned tunnel path, this direction's (0: not tunnelled; `TunnelRegistry`).
    public var tunnelPath: UInt32 = 0
    /// In a capture with several interfaces, the interface plus one (a pcapng file's interface number, counted
    /// over its sections); 0 in a capture with one, so the tracker records nothing for most captures.
    public var interface: UInt32 = 0
    /// Where the (innermost) IP header and the TCP header begin in the packet, for `ChecksumVerifier`.
    var networkOffset: UInt32 = 0
    var transportOffset: UInt32 = 0
    /// UDP ports that carry tunnels besides the IANA ones: set by the reader before decoding, read by the
    /// decoder (`--tunnel-port`).
    public var tunnelPorts = TunnelPorts()

    public init(
        source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16,
        sequence: SequenceNumber, acknowledgment: SequenceNumber, flags: TCPFlags, window: UInt16,
        payloadLength: UInt32, capturedPayloadLength: UInt32, options: TCPOptions = TCPOptions(),
        headerLength: UInt8 = 20, optionsTruncated: Bool = false, isFirstFragment: Bool = false
    ) {
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.flags = flags
        self.window = window
        self.payloadLength = payloadLength
        self.capturedPayloadLength = capturedPayloadLength
        self.options = options
        self.headerLength = headerLength
        self.optionsTruncated = optionsTruncated
        self.isFirstFragment = isFirstFragment
    }

    /// A placeholder to decode into.
    public static let empty = Segment(
        source: IPAddress(ipv4: 0), destination: IPAddress(ipv4: 0), sourcePort: 0,
        destinationPort: 0, sequence: SequenceNumber(0), acknowledgment: SequenceNumber(0),
        flags: [], window: 0, payloadLength: 0, capturedPayloadLength: 0)

    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 3.4).
    @inline(__always)
    public var sequenceLength: UInt32 {
        payloadLength &+ (flags.contains(.syn) ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
    }

    /// The packet's length at the IP layer as its IP header gives it: the IP header (IPv6 extension headers
    /// included), the TCP header and the payload (IPv4's total length; IPv6's payload length + 40).
    public var ipLength: UInt32 {
        (transportOffset > networkOffset ? transportOffset &- networkOffset : 0) &+ UInt32(headerLength)
            &+ payloadLength
    }
}
