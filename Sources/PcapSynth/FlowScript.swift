/// Writes a TCP conversation segment by segment, keeping each side's next sequence number so a scenario
/// reads like a ladder diagram: `syn()`, `synAck()`, `ack()`, `data(.client, 100)`, `fin(.server)`, …
/// Every method takes overrides (`seq:`, `ack:`) for the wrong numbers a kernel would never send.
public struct FlowScript: Sendable {
    public enum Side: Sendable { case client, server }
    public enum Link: Sendable {
        case ethernet, raw, sll2
        /// Any other framing: `wrap` puts the IP packet (and whether the client sent it) into a frame of the
        /// file's `linkType`.
        case wrapped(linkType: UInt32, wrap: @Sendable (_ ip: [UInt8], _ fromClient: Bool) -> [UInt8])
    }

    public var writer: PcapWriter
    public let link: Link
    public let clientAddress: String
    public let serverAddress: String
    public let clientPort: UInt16
    public let serverPort: UInt16
    /// Next sequence number each side will use, and the highest it has acknowledged.
    public var clientNext: UInt32
    public var serverNext: UInt32
    /// Time of the next packet in nanoseconds since the epoch; advances by `step` after each packet.
    public var time: Int64
    public var step: Int64 = 1_000_000
    /// IPv4 TTL or IPv6 hop limit of the segments sent (a test of a forged RST changes it for one segment).
    public var ttl: UInt8 = 64
    /// Write correct IPv4 header and TCP checksums (left zero otherwise); `corruptNext` spoils the next
    /// segment's TCP checksum (then resets itself).
    public var fillsChecksums = false
    public var corruptNext = false
    /// IPv6 extension headers put before TCP in every segment sent (IPv6 scripts only), in order.
    public var ipv6ExtensionHeaders: [(type: UInt8, body: [UInt8])] = []

    public init(
        client: String = "10.0.0.1", clientPort: UInt16 = 40000, server: String = "10.0.0.2",
        serverPort: UInt16 = 80, clientISN: UInt32 = 1000, serverISN: UInt32 = 5000,
        start: Int64 = 1_700_000_000_000_000_000, link: Link = .ethernet, writer: PcapWriter? = nil
    ) {
        self.clientAddress = client
        self.serverAddress = server
        self.clientPort = clientPort
        self.serverPort = serverPort
        self.clientNext = clientISN
        self.serverNext = serverISN
        self.time = start
        self.link = link
        self.writer =
            writer
            ?? PcapWriter(
                linkType: {
                    switch link {
                    case .ethernet: PcapWriter.Link.ethernet
                    case .raw: PcapWriter.Link.raw
                    case .sll2: PcapWriter.Link.linuxSLL2
                    case .wrapped(let linkType, _): linkType
                    }
                }())
    }

    public var isIPv6: Bool { clientAddress.contains(":") }

    /// Emits one segment from `side`. Sequence defaults to the side's next number; ack defaults to the other
    /// side's next number when `flags` has ACK. The side's next number advances by the payload plus SYN/FIN.
    public mutating func send(
        _ side: Side, flags: UInt16, payload: Int = 0, seq: UInt32? = nil, ack: UInt32? = nil,
        window: UInt16 = 65535, options: [UInt8] = [], after delay: Int64? = nil
    ) {
        if let delay { time += delay }
        let fromClient = side == .client
        let sequence = seq ?? (fromClient ? clientNext : serverNext)
        let acknowledgment =
            flags & PacketBuilder.Flag.ack != 0 ? (ack ?? (fromClient ? serverNext : clientNext)) : (ack ?? 0)
        let tcp = PacketBuilder.tcp(
            sourcePort: fromClient ? clientPort : serverPort, destinationPort: fromClient ? serverPort : clientPort,
            seq: sequence, ack: acknowledgment, flags: flags, window: window, options: options,
            payload: Array(repeating: 0x61, count: payload))
        let source = fromClient ? clientAddress : serverAddress
        let destination = fromClient ? serverAddress : clientAddress
        var ip =
            isIPv6
            ? PacketBuilder.ipv6(
                source: source, destination: destination, payload: tcp, extensionHeaders: ipv6ExtensionHeaders,
                hopLimit: ttl)
            : PacketBuilder.ipv4(source: source, destination: destination, payload: tcp, ttl: ttl)
        if fillsChecksums || corruptNext { ip = PacketBuilder.fillChecksums(ip, corrupt: corruptNext) }
        corruptNext = false
        let etherType: UInt16 = isIPv6 ? 0x86DD : 0x0800
        let frame: [UInt8]
        switch link {
        case .ethernet: frame = PacketBuilder.ethernet(ip, etherType: etherType)
        case .raw: frame = ip
        case .sll2: frame = PacketBuilder.sll2(ip, protocolType: etherType)
        case .wrapped(_, let wrap): frame = wrap(ip, fromClient)
        }
        writer.append(frame, at: time)
        time += step
        let consumed =
            UInt32(payload) + (flags & PacketBuilder.Flag.syn != 0 ? 1 : 0)
            + (flags & PacketBuilder.Flag.fin != 0 ? 1 : 0)
        let end = sequence &+ consumed
        // Advance only forward (RFC 1982 comparison), so a retransmission does not move the counter back.
        if fromClient {
            if Int32(bitPattern: end &- clientNext) > 0 { clientNext = end }
        } else {
            if Int32(bitPattern: end &- serverNext) > 0 { serverNext = end }
        }
    }

    public static let synOptions: [UInt8] =
        PacketBuilder.Option.mss(1460) + PacketBuilder.Option.sackPermitted
        + PacketBuilder.Option.windowScale(7)

    public mutating func syn(seq: UInt32? = nil, after delay: Int64? = nil) {
        send(.client, flags: PacketBuilder.Flag.syn, seq: seq, options: FlowScript.synOptions, after: delay)
    }

    public mutating func synAck(seq: UInt32? = nil, ack: UInt32? = nil, after delay: Int64? = nil) {
        send(
            .server, flags: PacketBuilder.Flag.syn | PacketBuilder.Flag.ack, seq: seq, ack: ack,
            options: FlowScript.synOptions, after: delay)
    }

    public mutating func ack(_ side: Side = .client, seq: UInt32? = nil, ack: UInt32? = nil, after delay: Int64? = nil)
    {
        send(side, flags: PacketBuilder.Flag.ack, seq: seq, ack: ack, after: delay)
    }

    public mutating func data(_ side: Side, _ bytes: Int, seq: UInt32? = nil, after delay: Int64? = nil) {
        send(side, flags: PacketBuilder.Flag.ack | PacketBuilder.Flag.psh, payload: bytes, seq: seq, after: delay)
    }

    public mutating func fin(_ side: Side, seq: UInt32? = nil, ack: UInt32? = nil, after delay: Int64? = nil) {
        send(side, flags: PacketBuilder.Flag.fin | PacketBuilder.Flag.ack, seq: seq, ack: ack, after: delay)
    }

    public mutating func rst(
        _ side: Side, withAck: Bool = true, seq: UInt32? = nil, ack: UInt32? = nil,
        after delay: Int64? = nil
    ) {
        send(
            side, flags: PacketBuilder.Flag.rst | (withAck ? PacketBuilder.Flag.ack : 0), seq: seq, ack: ack,
            after: delay)
    }

    /// SYN, SYN-ACK, ACK.
    public mutating func handshake() {
        syn()
        synAck()
        ack()
    }

    public var bytes: [UInt8] { writer.bytes }
}
