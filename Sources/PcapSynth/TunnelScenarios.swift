/// Tunnelled captures: each connection (handshake, 100 bytes and their ACK, four-way close: 9 packets) is
/// wrapped in its tunnel's headers as the tunnel's RFC lays them out, on Ethernet. Connections start 0.2 ms
/// apart and interleave, packets 1 ms apart within each. UDP and outer checksums are left zero (allowed for
/// UDP over IPv4; the decoder does not check them).
extension SyntheticScenarios {
    // MARK: Building blocks

    /// A UDP header (checksum 0) in front of `payload`.
    public static func udp(_ source: UInt16, _ destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        PacketBuilder.be16(source) + PacketBuilder.be16(destination) + PacketBuilder.be16(UInt16(8 + payload.count))
            + [0, 0] + payload
    }

    /// An outer IP packet between tunnel endpoints `a` and `b`: `a` → `b` for what the client sent.
    public static func outer(
        _ a: String, _ b: String, _ fromClient: Bool, proto: UInt8, _ payload: [UInt8]
    )
        -> [UInt8]
    {
        let (source, destination) = fromClient ? (a, b) : (b, a)
        if a.contains(":") {
            return PacketBuilder.ipv6(source: source, destination: destination, payload: payload, nextHeader: proto)
        }
        return PacketBuilder.ipv4(source: source, destination: destination, payload: payload, protocolNumber: proto)
    }

    /// An Ethernet frame around an IP packet (its EtherType from the version nibble).
    public static func frame(_ ip: [UInt8]) -> [UInt8] {
        PacketBuilder.ethernet(ip, etherType: ip.first.map { $0 >> 4 == 6 } == true ? 0x86DD : 0x0800)
    }

    /// A VXLAN header (RFC 7348 §5): I flag, VNI.
    public static func vxlan(_ vni: UInt32) -> [UInt8] {
        [0x08, 0, 0, 0] + Array(PacketBuilder.be32(vni << 8))
    }

    /// A tunnelled connection from `clientPort`, framed on Ethernet by `wrap`.
    public static func tunnelled(
        client: String = "10.0.0.1", server: String = "10.0.0.2", clientPort: UInt16, offset: Int64,
        clientISN: UInt32 = 1000,
        _ wrap: @escaping @Sendable (_ ip: [UInt8], _ fromClient: Bool) -> [UInt8]
    ) -> FlowScript {
        var f = FlowScript(
            client: client, clientPort: clientPort, server: server, clientISN: clientISN,
            start: 1_700_000_000_000_000_000 + offset,
            link: .wrapped(linkType: PcapWriter.Link.ethernet, wrap: wrap))
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        closeFourWay(&f)
        return f
    }

    /// The records of several scripts (and extra frames at given times) merged by time, ties in script order.
    public static func merged(_ scripts: [FlowScript], extra: [([UInt8], Int64)] = []) -> [UInt8] {
        var all: [([UInt8], Int64, Int)] = []
        for (i, f) in scripts.enumerated() { all += PcapWriter.records(f.bytes).map { ($0.0, $0.1, i) } }
        all += extra.map { ($0.0, $0.1, scripts.count) }
        all.sort { ($0.1, $0.2) < ($1.1, $1.2) }
        var writer = PcapWriter(linkType: PcapWriter.Link.ethernet)
        for (frame, time, _) in all { writer.append(frame, at: time) }
        return writer.bytes
    }

    /// Whether an IPv6 packet carries a pure SYN (TCP right after the 40-byte header).
    private static func isSYN6(_ ip: [UInt8]) -> Bool { ip.count > 53 && ip[53] == 0x02 }

    static let start: Int64 = 1_700_000_000_000_000_000

    // MARK: UDP overlays

    /// Six connections over UDP tunnels, client ports 41001-41006, and three UDP packets that carry no TCP:
    /// - 41001 VXLAN (VNI 100) between VTEPs 192.0.2.1 and 192.0.2.2, outer source ports 49001 and 49002;
    /// - 41002 Geneve (VNI 200, one 4-byte option, protocol 0x6558) between 192.0.2.3 and 192.0.2.4;
    /// - 41003 GTP-U between 198.51.100.1 and 198.51.100.2 (port 2152 both ways), TEID 0x1111 uplink and
    ///   0x2222 downlink; uplink packets carry a PDU session container extension header (E flag);
    /// - 41004 Teredo on port 3544 (relay 203.0.113.1:3544, client 203.0.113.2:50000), IPv6 inside
    ///   (2001:0:cb00:7101::1 and 2001:db8::2); the SYN has an authentication header, the relay's packets an
    ///   origin indication;
    /// - 41005 Teredo off its port (203.0.113.3:40123 and 203.0.113.4:40124), found by content;
    /// - 41006 AYIYA (port 5072, 16-byte identity, 20-byte signature), IPv6 inside (2001:db8:1::1 and
    ///   2001:db8::2);
    /// - then a VXLAN frame whose inner IPv4 header is cut (vxlan: 1 truncated), a GTP-U echo request, and a
    ///   DNS query: not TCP. 57 packets.
    static func tunnelsUDP() -> [UInt8] {
        let scripts = [
            tunnelled(clientPort: 41001, offset: 0) { ip, c in
                frame(
                    outer("192.0.2.1", "192.0.2.2", c, proto: 17, udp(c ? 49001 : 49002, 4789, vxlan(100) + frame(ip))))
            },
            tunnelled(clientPort: 41002, offset: 200_000) { ip, c in
                let geneve: [UInt8] =
                    [0x02, 0x00, 0x65, 0x58] + PacketBuilder.be32(200 << 8) + [0x01, 0x02, 0x80, 0x01]
                    + [0xDE, 0xAD, 0xBE, 0xEF]
                return frame(
                    outer("192.0.2.3", "192.0.2.4", c, proto: 17, udp(c ? 49003 : 49004, 6081, geneve + frame(ip))))
            },
            tunnelled(clientPort: 41003, offset: 400_000) { ip, c in
                let gtp: [UInt8]
                if c {
                    // E flag: sequence, N-PDU, next type 0x85 (PDU session container), then the container.
                    let body: [UInt8] = [0, 0, 0, 0x85] + [0x01, 0x10, 0x09, 0x00] + ip
                    gtp = [0x34, 0xFF] + PacketBuilder.be16(UInt16(body.count)) + PacketBuilder.be32(0x1111) + body
                } else {
                    gtp = [0x30, 0xFF] + PacketBuilder.be16(UInt16(ip.count)) + PacketBuilder.be32(0x2222) + ip
                }
                return frame(outer("198.51.100.1", "198.51.100.2", c, proto: 17, udp(2152, 2152, gtp)))
            },
            tunnelled(client: "2001:0:cb00:7101::1", server: "2001:db8::2", clientPort: 41004, offset: 600_000) {
                ip, c in
                if c {
                    let auth: [UInt8] = isSYN6(ip) ? [0x00, 0x01, 0, 0] + [UInt8](repeating: 7, count: 8) + [0] : []
                    return frame(outer("203.0.113.2", "203.0.113.1", true, proto: 17, udp(50000, 3544, auth + ip)))
                }
                let origin: [UInt8] = [0x00, 0x00, 0x3C, 0xAF] + [0x34, 0x8E, 0x8E, 0xFD]
                return frame(outer("203.0.113.1", "203.0.113.2", true, proto: 17, udp(3544, 50000, origin + ip)))
            },
            tunnelled(client: "2001:0:cb00:7103::1", server: "2001:db8::2", clientPort: 41005, offset: 800_000) {
                ip, c in
                frame(outer("203.0.113.3", "203.0.113.4", c, proto: 17, udp(c ? 40123 : 40124, c ? 40124 : 40123, ip)))
            },
            tunnelled(client: "2001:db8:1::1", server: "2001:db8::2", clientPort: 41006, offset: 1_000_000) { ip, c in
                let identity = PacketBuilder.ipv6Bytes(c ? "2001:db8:1::1" : "2001:db8::2")
                let ayiya: [UInt8] =
                    [0x41, 0x52, 0x11, 41] + PacketBuilder.be32(1_700_000_000) + identity
                    + [UInt8](repeating: 0x5A, count: 20)
                return frame(outer("198.51.100.5", "198.51.100.6", c, proto: 17, udp(5072, 5072, ayiya + ip)))
            },
        ]
        let cutInner = Array(PacketBuilder.ipv4(source: "10.9.9.1", destination: "10.9.9.2", payload: []).prefix(12))
        let cut = frame(
            outer(
                "192.0.2.1", "192.0.2.2", true, proto: 17,
                udp(49001, 4789, vxlan(100) + [0x02, 0, 0, 0, 0, 0x0A, 0x02, 0, 0, 0, 0, 0x0B, 0x08, 0x00] + cutInner)))
        let echo = frame(
            outer(
                "198.51.100.1", "198.51.100.2", true, proto: 17,
                udp(2152, 2152, [0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0])))
        let dns = frame(
            outer(
                "192.0.2.50", "192.0.2.53", true, proto: 17, udp(53000, 53, [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
        )
        return merged(
            scripts, extra: [(cut, start + 20_000_000), (echo, start + 20_100_000), (dns, start + 20_200_000)])
    }
}

extension SyntheticScenarios {
    // MARK: GRE, ERSPAN, IP in IP

    /// A GRE header (RFC 2784, RFC 2890): optional checksum (zero), key and sequence number.
    public static func gre(
        _ proto: UInt16, key: UInt32? = nil, sequence: UInt32? = nil, checksum: Bool = false
    )
        -> [UInt8]
    {
        var flags: UInt16 = 0
        if checksum { flags |= 0x8000 }
        if key != nil { flags |= 0x2000 }
        if sequence != nil { flags |= 0x1000 }
        var header = PacketBuilder.be16(flags) + PacketBuilder.be16(proto)
        if checksum { header += [0, 0, 0, 0] }
        if let key { header += PacketBuilder.be32(key) }
        if let sequence { header += PacketBuilder.be32(sequence) }
        return header
    }

    /// Ten connections in GRE and IP in IP, client ports 42001-42010:
    /// - 42001 GRE with keys (0x0A from the client's side, 0x0B back), IPv4 in IPv4 (192.0.2.10, 192.0.2.11);
    /// - 42002 GRE with checksum and sequence numbers over IPv6 (2001:db8:ff::1, 2001:db8:ff::2), IPv6 inside;
    /// - 42003 GRE transparent Ethernet bridging (0x6558) between 192.0.2.12 and 192.0.2.13;
    /// - 42004 ERSPAN type I (0x88BE, no sequence number) from switch 192.0.2.20 to collector 192.0.2.21;
    /// - 42005 ERSPAN type II (sequence numbers, session 5) from 192.0.2.20 to 192.0.2.21;
    /// - 42006 ERSPAN type III (0x22EB, session 6, with the platform subheader) from 192.0.2.22 to 192.0.2.21;
    /// - 42007 IPv4 in IPv4 (protocol 4) between 192.0.2.30 and 192.0.2.31;
    /// - 42008 IPv6 in IPv4 (protocol 41, 6in4) between 192.0.2.32 and 192.0.2.33, IPv6 inside;
    /// - 42009 PPTP (enhanced GRE version 1, call ids 0x1234 and 0x5678, sequence numbers; PPP, IPv4) between
    ///   192.0.2.40 and 192.0.2.41;
    /// - 42010 GRE carrying an MPLS label then IPv4, between 192.0.2.42 and 192.0.2.43. 90 packets.
    static func tunnelsGRE() -> [UInt8] {
        let mirror: @Sendable (String, [UInt8]) -> [UInt8] = { switchAddress, inner in
            frame(outer(switchAddress, "192.0.2.21", true, proto: 47, inner))
        }
        let scripts = [
            tunnelled(clientPort: 42001, offset: 0) { ip, c in
                frame(outer("192.0.2.10", "192.0.2.11", c, proto: 47, gre(0x0800, key: c ? 0x0A : 0x0B) + ip))
            },
            tunnelled(client: "2001:db8::1", server: "2001:db8::2", clientPort: 42002, offset: 200_000) { ip, c in
                frame(
                    outer(
                        "2001:db8:ff::1", "2001:db8:ff::2", c, proto: 47, gre(0x86DD, sequence: 7, checksum: true) + ip)
                )
            },
            tunnelled(clientPort: 42003, offset: 400_000) { ip, c in
                frame(outer("192.0.2.12", "192.0.2.13", c, proto: 47, gre(0x6558) + frame(ip)))
            },
            tunnelled(clientPort: 42004, offset: 600_000) { ip, _ in mirror("192.0.2.20", gre(0x88BE) + frame(ip)) },
            tunnelled(clientPort: 42005, offset: 800_000) { ip, _ in
                // Version 1, VLAN 0; COS 0, encapsulation type 0, truncated 0, session id 5; index 0.
                mirror("192.0.2.20", gre(0x88BE, sequence: 1) + [0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0] + frame(ip))
            },
            tunnelled(clientPort: 42006, offset: 1_000_000) { ip, _ in
                // Version 2, VLAN 0; session 6; timestamp; SGT, flags with O (the platform subheader follows).
                let header: [UInt8] =
                    [0x20, 0x00, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0x01] + [UInt8](repeating: 0, count: 8)
                return mirror("192.0.2.22", gre(0x22EB, sequence: 1) + header + frame(ip))
            },
            tunnelled(clientPort: 42007, offset: 1_200_000) { ip, c in
                frame(outer("192.0.2.30", "192.0.2.31", c, proto: 4, ip))
            },
            tunnelled(client: "2001:db8::1", server: "2001:db8::2", clientPort: 42008, offset: 1_400_000) { ip, c in
                frame(outer("192.0.2.32", "192.0.2.33", c, proto: 41, ip))
            },
            tunnelled(clientPort: 42009, offset: 1_600_000) { ip, c in
                let ppp: [UInt8] = [0xFF, 0x03, 0x00, 0x21] + ip
                // Flags: key and sequence present, version 1; protocol 0x880B; payload length and call id.
                let pptp: [UInt8] =
                    [0x30, 0x01, 0x88, 0x0B] + PacketBuilder.be16(UInt16(ppp.count))
                    + PacketBuilder.be16(c ? 0x1234 : 0x5678) + PacketBuilder.be32(1)
                return frame(outer("192.0.2.40", "192.0.2.41", c, proto: 47, pptp + ppp))
            },
            tunnelled(clientPort: 42010, offset: 1_800_000) { ip, c in
                frame(outer("192.0.2.42", "192.0.2.43", c, proto: 47, gre(0x8847) + mplsLabel(16, bottom: true) + ip))
            },
        ]
        return merged(scripts)
    }

    // MARK: Nesting and identity

    /// Tunnels inside tunnels, and one inner 4-tuple in several tunnels:
    /// - 43001 GRE inside VXLAN: VTEPs 192.0.2.1 and 192.0.2.2 (VNI 300), then GRE between 172.16.0.1 and
    ///   172.16.0.2, then 10.0.0.1:43001 → 10.0.0.2:80;
    /// - 43002 twice, with the same ISNs, in VXLAN VNI 400 and VNI 401 between the same VTEPs: two
    ///   connections;
    /// - 43003 twice: plain, and in IPv4-in-IPv4 between 192.0.2.30 and 192.0.2.31: two connections;
    /// - 43005 in Geneve between 192.0.2.5 and 192.0.2.6 with a VNI per direction, 11 from the client's side
    ///   and 10 back (an overlay that carries each direction in its destination's network): one connection;
    /// - one SYN (client port 43004) inside nine IPv4-in-IPv4 layers: more than 8 nested tunnels, counted
    ///   under ip-in-ip as malformed. 55 packets.
    static func tunnelsNested() -> [UInt8] {
        let scripts = [
            tunnelled(clientPort: 43001, offset: 0) { ip, c in
                let inner = outer("172.16.0.1", "172.16.0.2", c, proto: 47, gre(0x0800) + ip)
                return frame(
                    outer(
                        "192.0.2.1", "192.0.2.2", c, proto: 17, udp(c ? 49011 : 49012, 4789, vxlan(300) + frame(inner)))
                )
            },
            tunnelled(clientPort: 43002, offset: 200_000) { ip, c in
                frame(
                    outer("192.0.2.1", "192.0.2.2", c, proto: 17, udp(c ? 49021 : 49022, 4789, vxlan(400) + frame(ip))))
            },
            tunnelled(clientPort: 43002, offset: 300_000) { ip, c in
                frame(
                    outer("192.0.2.1", "192.0.2.2", c, proto: 17, udp(c ? 49031 : 49032, 4789, vxlan(401) + frame(ip))))
            },
            tunnelled(clientPort: 43003, offset: 400_000) { ip, _ in frame(ip) },
            tunnelled(clientPort: 43003, offset: 500_000) { ip, c in
                frame(outer("192.0.2.30", "192.0.2.31", c, proto: 4, ip))
            },
            tunnelled(clientPort: 43005, offset: 600_000) { ip, c in
                let geneve: [UInt8] = [0x00, 0x00, 0x65, 0x58] + PacketBuilder.be32((c ? 11 : 10) << 8)
                return frame(
                    outer("192.0.2.5", "192.0.2.6", c, proto: 17, udp(c ? 49051 : 49052, 6081, geneve + frame(ip))))
            },
        ]
        var deep = PacketBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2",
            payload: PacketBuilder.tcp(
                sourcePort: 43004, destinationPort: 80, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn))
        for _ in 0..<9 { deep = outer("192.0.2.30", "192.0.2.31", true, proto: 4, deep) }
        return merged(scripts, extra: [(frame(deep), start + 20_000_000)])
    }

    /// A router captured on two interfaces (a pcapng file: interface 0 Ethernet, interface 1 raw IP): every
    /// segment of one connection (client 10.0.0.1:44001, 9 packets) is seen on interface 0 and, 0.1 ms later,
    /// on interface 1: 18 packets, 9 of them capture duplicates. Then a second connection (44002) seen on
    /// interface 1 only, whose client retransmits its data 200 ms later on the same interface: a
    /// retransmission, not a capture duplicate. 28 packets.
    static func twoInterfaceCopies() -> [UInt8] {
        var w = PcapngWriter()
        w.section()
        w.interface(linkType: 1, resolution: 9)
        w.interface(linkType: 101, resolution: 9)
        let first = connection(.ethernet, clientPort: 44001)
        for (packet, time) in PcapWriter.records(first.bytes) {
            w.enhanced(packet, interface: 0, at: time)
            w.enhanced(Array(packet.dropFirst(14)), interface: 1, at: time + 100_000)
        }
        var second = FlowScript(clientPort: 44002, start: start + 50_000_000, link: .raw)
        second.handshake()
        second.data(.client, 100)
        second.data(.client, 100, seq: second.clientNext &- 100, after: 200_000_000)
        second.ack(.server)
        closeFourWay(&second)
        for (packet, time) in PcapWriter.records(second.bytes) { w.enhanced(packet, interface: 1, at: time) }
        return w.bytes
    }
}
