/// The tunnels whose outer header is IP: UDP overlays (VXLAN, Geneve, GTP-U, Teredo, AYIYA), GRE with ERSPAN,
/// and IP in IP. Each layer is recorded in `Segment.tunnelMarks` (its kind and where its headers sit) and
/// counted in `Segment.encapsulations`; a layer's own header is checked once at its top, like every other
/// decoder's. What goes wrong inside a tunnel (a cut or impossible inner header) is returned as
/// `.damagedInTunnel` with the innermost tunnel's kind: counted under that kind, never an error of the outer
/// packet, which was a well-formed UDP, GRE or IP datagram.
extension PacketDecoder {
    /// An IPv4 packet that is not TCP: a non-first fragment (counted), or a payload `decodeIPPayload` looks
    /// into. A tunnel's first fragment is followed: it holds the inner headers, and the inner segment's
    /// length comes from its own IP header, so a payload cut at the fragment's end reads as a snap-length cut
    /// (as a TCP segment's first fragment is tracked). Large inner frames make GRE fragment in the wild.
    @inline(never)
    static func decodeIPv4Payload(
        _ bytes: UnsafeRawBufferPointer, ip: Int, payload: Int, end: Int, fragment: UInt16,
        into segment: inout Segment
    ) -> DecodeStatus {
        if fragment & 0x1fff != 0 { return .fragment }
        return decodeIPPayload(bytes[ip + 9], bytes, ip: ip, payload: payload, end: end, into: &segment)
    }

    /// The IP payload of a packet that is not TCP: followed when it is UDP, GRE or IP in IP (protocols 17, 47,
    /// 4 and 41), `.notTCP` otherwise. `end` is where the outer datagram ends by its IP length: what follows
    /// (Ethernet padding) belongs to no tunnel.
    @inline(never)
    static func decodeIPPayload(
        _ proto: UInt8, _ whole: UnsafeRawBufferPointer, ip: Int, payload: Int, end: Int,
        into segment: inout Segment
    ) -> DecodeStatus {
        switch proto {
        case 17, 47, 4, 41: break
        default: return .notTCP
        }
        let bytes = UnsafeRawBufferPointer(rebasing: whole[0..<max(payload, min(whole.count, end))])
        switch proto {
        case 17: return decodeUDP(bytes, ip: ip, offset: payload, into: &segment)
        case 47: return decodeGRE(bytes, ip: ip, offset: payload, into: &segment)
        default:
            if let refused = enter(.ipInIP, ip: ip, header: payload, bytes, into: &segment) { return refused }
            if proto == 4 { return within(.ipInIP, innerIPv4(bytes, offset: payload, into: &segment)) }
            return within(.ipInIP, innerIPv6(bytes, offset: payload, into: &segment))
        }
    }

    /// Records a tunnel layer; a status to return when the packet has more layers than `TunnelMarks.capacity`
    /// (or sits too deep in the packet to record), nil to go on.
    @inline(__always)
    private static func enter(
        _ kind: TunnelKind, ip: Int, header: Int, _ bytes: UnsafeRawBufferPointer, into segment: inout Segment
    ) -> DecodeStatus? {
        segment.encapsulations.insert(kind.encapsulation)
        guard segment.tunnelMarks.append(kind, ip: ip, header: header) else {
            let deep = Int(segment.tunnelMarks.count) < TunnelMarks.capacity
            return .damagedInTunnel(
                kind,
                DecodeProblem(
                    layer: .tunnel, offset: header, needed: 0, available: bytes.count - header,
                    reason: deep ? "tunnel header more than 16,383 bytes into the packet" : "more than 8 nested tunnels"
                ),
                truncated: false)
        }
        return nil
    }

    /// A cut or impossible header inside tunnel `kind` becomes that tunnel's damage (an inner tunnel's damage
    /// keeps its own kind).
    @inline(__always)
    private static func within(_ kind: TunnelKind, _ status: DecodeStatus) -> DecodeStatus {
        switch status {
        case .truncated(let problem): .damagedInTunnel(kind, problem, truncated: true)
        case .malformed(let problem): .damagedInTunnel(kind, problem, truncated: false)
        default: status
        }
    }

    /// Tunnel `kind`'s own header cut at `offset` (`needed` bytes wanted).
    private static func cutTunnel(
        _ kind: TunnelKind, _ bytes: UnsafeRawBufferPointer, _ offset: Int, _ needed: Int, _ reason: StaticString
    ) -> DecodeStatus {
        .damagedInTunnel(
            kind,
            DecodeProblem(
                layer: .tunnel, offset: offset, needed: needed, available: max(0, bytes.count - offset),
                reason: reason),
            truncated: true)
    }

    /// Tunnel `kind`'s own header holds an impossible value.
    private static func badTunnel(
        _ kind: TunnelKind, _ bytes: UnsafeRawBufferPointer, _ offset: Int, _ reason: StaticString
    ) -> DecodeStatus {
        .damagedInTunnel(
            kind,
            DecodeProblem(
                layer: .tunnel, offset: offset, needed: 0, available: max(0, bytes.count - offset), reason: reason),
            truncated: false)
    }

    // MARK: UDP overlays

    /// UDP (RFC 768): the tunnel kind is chosen by port, the destination's first (an overlay's source port is
    /// a per-flow hash, RFC 7348 §5), then the source's, among the IANA ports and `Segment.tunnelPorts`; on
    /// other ports a Teredo packet is recognised by its content. The datagram ends at the UDP length when that
    /// is consistent.
    static func decodeUDP(
        _ whole: UnsafeRawBufferPointer, ip: Int, offset: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard whole.count >= offset + 8 else { return .notTCP }  // a cut UDP header: no tunnel to follow
        let length = Int(whole.u16(offset + 4))
        let bytes =
            length >= 8 && offset + length <= whole.count
            ? UnsafeRawBufferPointer(rebasing: whole[0..<(offset + length)]) : whole
        let source = bytes.u16(offset)
        let destination = bytes.u16(offset + 2)
        let header = offset + 8
        let kind = udpKind(destination, segment.tunnelPorts) ?? udpKind(source, segment.tunnelPorts)
        switch kind {
        case .vxlan: return decodeVXLAN(bytes, ip: ip, header: header, into: &segment)
        case .geneve: return decodeGeneve(bytes, ip: ip, header: header, into: &segment)
        case .gtpU: return decodeGTPU(bytes, ip: ip, header: header, into: &segment)
        case .teredo: return decodeTeredo(bytes, ip: ip, header: header, byPort: true, into: &segment)
        case .ayiya: return decodeAYIYA(bytes, ip: ip, header: header, into: &segment)
        default: return decodeTeredo(bytes, ip: ip, header: header, byPort: false, into: &segment)
        }
    }

    /// The UDP tunnel on `port`: an IANA port, or one added with `--tunnel-port`.
    @inline(__always)
    private static func udpKind(_ port: UInt16, _ extra: TunnelPorts) -> TunnelKind? {
        switch port {
        case 4789: return .vxlan
        case 6081: return .geneve
        case 2152: return .gtpU
        case 3544: return .teredo
        case 5072: return .ayiya
        default: return extra.count > 0 ? extra.kind(for: port) : nil
        }
    }

    /// VXLAN (RFC 7348 §5): flags (the I flag, 0x08, says the VNI is valid), 3 reserved bytes, the 24-bit VNI,
    /// a reserved byte; then an Ethernet frame.
    static func decodeVXLAN(
        _ bytes: UnsafeRawBufferPointer, ip: Int, header: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= header + 8 else { return cutTunnel(.vxlan, bytes, header, 8, "VXLAN header cut") }
        guard bytes[header] & 0x08 != 0 else { return badTunnel(.vxlan, bytes, header, "VXLAN I flag clear") }
        if let refused = enter(.vxlan, ip: ip, header: header, bytes, into: &segment) { return refused }
        return within(.vxlan, innerEthernet(bytes, at: header + 8, into: &segment))
    }

    /// Geneve (RFC 8926 §3.4): version (2 bits, 0) and options length (6 bits, in 4-byte words), flags, the
    /// protocol type of the payload, the 24-bit VNI and a reserved byte, then the options.
    static func decodeGeneve(
        _ bytes: UnsafeRawBufferPointer, ip: Int, header: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= header + 8 else { return cutTunnel(.geneve, bytes, header, 8, "Geneve header cut") }
        guard bytes[header] >> 6 == 0 else { return badTunnel(.geneve, bytes, header, "Geneve version not 0") }
        let length = 8 + Int(bytes[header] & 0x3F) * 4
        guard bytes.count >= header + length else {
            return cutTunnel(.geneve, bytes, header, length, "Geneve options cut")
        }
        let proto = bytes.u16(header + 2)
        guard proto == 0x6558 || proto == 0x0800 || proto == 0x86DD else { return .notTCP }
        if let refused = enter(.geneve, ip: ip, header: header, bytes, into: &segment) { return refused }
        let inner = header + length
        switch proto {
        case 0x6558: return within(.geneve, innerEthernet(bytes, at: inner, into: &segment))
        case 0x0800: return within(.geneve, innerIPv4(bytes, offset: inner, into: &segment))
        default: return within(.geneve, innerIPv6(bytes, offset: inner, into: &segment))
        }
    }

    /// GTP-U (3GPP TS 29.281 §5.1): flags (version 1, protocol type 1, and E, S, PN), the message type (only a
    /// G-PDU, 255, carries user data), a length, the TEID; when any of E, S, PN is set, a sequence number, an
    /// N-PDU number and the next extension header type; each extension header gives its length in 4-byte
    /// units (at least 1) and ends with the next one's type. Then IPv4 or IPv6.
    static func decodeGTPU(
        _ bytes: UnsafeRawBufferPointer, ip: Int, header: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= header + 8 else { return cutTunnel(.gtpU, bytes, header, 8, "GTP-U header cut") }
        let flags = bytes[header]
        guard flags >> 5 == 1, flags & 0x10 != 0 else { return .notTCP }  // GTP' or another version
        guard bytes[header + 1] == 0xFF else { return .notTCP }  // echo, error indication, end marker
        var inner = header + 8
        if flags & 0x07 != 0 {
            guard bytes.count >= header + 12 else {
                return cutTunnel(.gtpU, bytes, header, 12, "GTP-U optional fields cut")
            }
            inner = header + 12
            var next = flags & 0x04 != 0 ? bytes[header + 11] : 0
            var headers = 0
            while next != 0 {
                headers += 1
                guard headers <= 16 else {
                    return badTunnel(.gtpU, bytes, inner, "too many GTP-U extension headers")
                }
                guard bytes.count > inner else {
                    return cutTunnel(.gtpU, bytes, inner, 1, "GTP-U extension header cut")
                }
                let length = Int(bytes[inner]) * 4
                guard length >= 4 else {
                    return badTunnel(.gtpU, bytes, inner, "GTP-U extension header length 0")
                }
                guard bytes.count >= inner + length else {
                    return cutTunnel(.gtpU, bytes, inner, length, "GTP-U extension header cut")
                }
                next = bytes[inner + length - 1]
                inner += length
            }
        }
        guard bytes.count > inner else { return cutTunnel(.gtpU, bytes, inner, 1, "GTP-U payload cut") }
        let version = bytes[inner] >> 4
        guard version == 4 || version == 6 else { return .notTCP }
        if let refused = enter(.gtpU, ip: ip, header: header, bytes, into: &segment) { return refused }
        if version == 4 { return within(.gtpU, innerIPv4(bytes, offset: inner, into: &segment)) }
        return within(.gtpU, innerIPv6(bytes, offset: inner, into: &segment))
    }

    /// Teredo (RFC 4380 §5.1.1): an optional authentication header (0x0001, client id and authentication value
    /// lengths, both fields, an 8-byte nonce, a confirmation byte), an optional origin indication (0x0000,
    /// port, address: 8 bytes), then IPv6. Off the Teredo port (`byPort` false; relays use others) the packet
    /// is taken for Teredo only when its IPv6 header is whole, its payload length fills the datagram exactly,
    /// and one of its addresses has the Teredo prefix 2001:0::/32 (RFC 4380 §2.6), as Wireshark's heuristic
    /// does; otherwise it is plain UDP.
    static func decodeTeredo(
        _ bytes: UnsafeRawBufferPointer, ip: Int, header: Int, byPort: Bool, into segment: inout Segment
    ) -> DecodeStatus {
        var inner = header
        if bytes.count >= inner + 4 && bytes.u16(inner) == 0x0001 {
            inner += 4 + Int(bytes[inner + 2]) + Int(bytes[inner + 3]) + 9
        }
        if bytes.count >= inner + 8 && bytes.u16(inner) == 0x0000 { inner += 8 }
        guard bytes.count >= inner + 40, bytes[inner] >> 4 == 6 else {
            guard byPort else { return .notTCP }
            return bytes.count >= inner + 40 ? .notTCP : cutTunnel(.teredo, bytes, inner, 40, "Teredo IPv6 cut")
        }
        if !byPort {
            let fills = Int(bytes.u16(inner + 4)) + 40 == bytes.count - inner
            let prefix: UInt32 = 0x2001_0000
            guard fills, bytes.u32(inner + 8) == prefix || bytes.u32(inner + 24) == prefix else { return .notTCP }
        }
        if let refused = enter(.teredo, ip: ip, header: header, bytes, into: &segment) { return refused }
        return within(.teredo, innerIPv6(bytes, offset: inner, into: &segment))
    }

    /// AYIYA (draft-massar-v6ops-ayiya §5): identity length (2^n bytes) and type, signature length (4-byte
    /// words) and hash method, authentication method and opcode (1: forward), the next header (41 IPv6, 4
    /// IPv4), a 4-byte epoch time, the identity and the signature; then the packet.
    static func decodeAYIYA(
        _ bytes: UnsafeRawBufferPointer, ip: Int, header: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= header + 8 else { return cutTunnel(.ayiya, bytes, header, 8, "AYIYA header cut") }
        guard bytes[header + 2] & 0x0F == 1 else { return .notTCP }  // not a forwarded packet
        let next = bytes[header + 3]
        guard next == 41 || next == 4 else { return .notTCP }
        let length = 8 + (1 << Int(bytes[header] >> 4)) + Int(bytes[header + 1] >> 4) * 4
        guard bytes.count >= header + length else {
            return cutTunnel(.ayiya, bytes, header, length, "AYIYA identity or signature cut")
        }
        if let refused = enter(.ayiya, ip: ip, header: header, bytes, into: &segment) { return refused }
        if next == 4 { return within(.ayiya, innerIPv4(bytes, offset: header + length, into: &segment)) }
        return within(.ayiya, innerIPv6(bytes, offset: header + length, into: &segment))
    }

    // MARK: GRE

    /// GRE (RFC 2784 with RFC 2890's key and sequence number): flags (checksum 0x8000, routing 0x4000, key
    /// 0x2000, sequence 0x1000) and version, the protocol type, then 4 bytes for the checksum, the key and the
    /// sequence number when present. Version 1 is PPTP's enhanced GRE (RFC 2637 §4.1: PPP, key always, an
    /// acknowledgment number with flag 0x0080). Source-routed GRE (RFC 1701) is not followed.
    static func decodeGRE(
        _ bytes: UnsafeRawBufferPointer, ip: Int, offset header: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= header + 4 else { return cutTunnel(.gre, bytes, header, 4, "GRE header cut") }
        let flags = bytes.u16(header)
        let proto = bytes.u16(header + 2)
        var inner = header + 4
        switch flags & 0x7 {
        case 0:
            guard flags & 0x4000 == 0 else { return .notTCP }
            if flags & 0x8000 != 0 { inner += 4 }
            if flags & 0x2000 != 0 { inner += 4 }
            if flags & 0x1000 != 0 { inner += 4 }
        case 1:
            // An acknowledgment-only packet (no sequence number) or one with payload length 0 carries nothing.
            guard proto == 0x880B, flags & 0x2000 != 0, flags & 0x1000 != 0 else { return .notTCP }
            guard bytes.count >= header + 8 else { return cutTunnel(.gre, bytes, header, 8, "GRE header cut") }
            guard bytes.u16(header + 4) != 0 else { return .notTCP }
            inner += 4
            if flags & 0x1000 != 0 { inner += 4 }
            if flags & 0x0080 != 0 { inner += 4 }
        default:
            return .notTCP
        }
        guard bytes.count >= inner else { return cutTunnel(.gre, bytes, header, inner - header, "GRE header cut") }
        switch proto {
        case 0x0800, 0x86DD, 0x6558, 0x8847, 0x8848, 0x880B: break
        case 0x88BE, 0x22EB:
            segment.encapsulations.insert(TunnelKind.gre.encapsulation)
            return decodeERSPAN(bytes, ip: ip, gre: header, offset: inner, typeIII: proto == 0x22EB, into: &segment)
        default: return .notTCP
        }
        if let refused = enter(.gre, ip: ip, header: header, bytes, into: &segment) { return refused }
        let status: DecodeStatus
        switch proto {
        case 0x0800: status = innerIPv4(bytes, offset: inner, into: &segment)
        case 0x86DD: status = innerIPv6(bytes, offset: inner, into: &segment)
        case 0x6558: status = innerEthernet(bytes, at: inner, into: &segment)
        case 0x880B: status = decodePPP(bytes, offset: inner, depth: 1, into: &segment)
        default: status = decodeMPLS(bytes, offset: inner, depth: 1, into: &segment)
        }
        return within(.gre, status)
    }

    /// ERSPAN over GRE. Type I: protocol 0x88BE without a GRE sequence number, the mirrored frame right after
    /// GRE. Type II: 0x88BE with a sequence number, an 8-byte header (version 1, VLAN, session id, index).
    /// Type III: 0x22EB, a 12-byte header (version 2) and, with its O flag, an 8-byte platform subheader.
    /// The layer is marked at the ERSPAN header (types II and III) or, having none, at its outer IP header
    /// (type I).
    static func decodeERSPAN(
        _ bytes: UnsafeRawBufferPointer, ip: Int, gre: Int, offset: Int, typeIII: Bool, into segment: inout Segment
    ) -> DecodeStatus {
        let sequenced = bytes.u16(gre) & 0x1000 != 0
        var frame = offset
        var mark = ip
        var mirroredIP = false
        if typeIII {
            guard bytes.count >= offset + 12 else {
                return cutTunnel(.erspan, bytes, offset, 12, "ERSPAN type III header cut")
            }
            frame = offset + (bytes[offset + 11] & 0x01 != 0 ? 20 : 12)
            mark = offset
            // The frame type (5 bits after the P bit, byte 10): 0 Ethernet, 2 IP.
            let frameType = (bytes.u16(offset + 10) >> 10) & 0x1F
            guard frameType == 0 || frameType == 2 else { return .notTCP }
            mirroredIP = frameType == 2
        } else if sequenced {
            guard bytes.count >= offset + 8 else {
                return cutTunnel(.erspan, bytes, offset, 8, "ERSPAN type II header cut")
            }
            frame = offset + 8
            mark = offset
        }
        if mark == offset {
            let version = bytes[offset] >> 4
            guard version == (typeIII ? 2 : 1) else {
                return badTunnel(.erspan, bytes, offset, "ERSPAN version does not match its GRE protocol")
            }
        }
        if let refused = enter(.erspan, ip: ip, header: mark, bytes, into: &segment) { return refused }
        if mirroredIP {
            guard bytes.count > frame else { return cutTunnel(.erspan, bytes, frame, 1, "ERSPAN payload cut") }
            switch bytes[frame] >> 4 {
            case 4: return within(.erspan, innerIPv4(bytes, offset: frame, into: &segment))
            case 6: return within(.erspan, innerIPv6(bytes, offset: frame, into: &segment))
            default: return .notTCP
            }
        }
        return within(.erspan, innerEthernet(bytes, at: frame, into: &segment))
    }

    /// An IPv4 packet inside a tunnel. Out of line, as the other inner decoders: the per-packet path inlines
    /// `decodeIPv4` and `decodeTCP` once, where a copy at every tunnel's call site made the compiler stop
    /// inlining them there (measured: 10 % more instructions per packet on plain Ethernet).
    @inline(never)
    static func innerIPv4(_ bytes: UnsafeRawBufferPointer, offset: Int, into segment: inout Segment) -> DecodeStatus {
        decodeIPv4(bytes, offset: offset, into: &segment)
    }

    /// An IPv6 packet inside a tunnel (out of line: see `innerIPv4`).
    @inline(never)
    static func innerIPv6(_ bytes: UnsafeRawBufferPointer, offset: Int, into segment: inout Segment) -> DecodeStatus {
        decodeIPv6(bytes, offset: offset, into: &segment)
    }

    /// An Ethernet frame starting at `offset`, inside a tunnel (out of line: see `innerIPv4`).
    @inline(never)
    static func innerEthernet(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, into segment: inout Segment
    )
        -> DecodeStatus
    {
        decodeEthernet(bytes, at: offset, depth: 1, into: &segment)
    }
}
