/// The frames `extract` writes besides a connection's segments: IP fragments of its datagrams and ICMP errors
/// that quote it. Off the analysis path: `extract` calls this only for frames that are not segments of their
/// own, and for first fragments.
extension PacketDecoder {
    /// ICMPv4 types that quote the datagram that caused them (RFC 792): destination unreachable, time exceeded.
    static let icmpv4Errors: Set<UInt8> = [3, 11]
    /// ICMPv6 types that quote the packet that caused them (RFC 4443 3.1, 3.3): destination unreachable, time
    /// exceeded.
    static let icmpv6Errors: Set<UInt8> = [1, 3]

    /// What `bytes` (of link type `linkType`) says about TCP connections: a fragment of a TCP datagram, an ICMP
    /// error quoting a TCP segment, or nothing. Short input gives `.truncated`, impossible lengths `.malformed`;
    /// no input traps. Link types: Ethernet (with VLAN tags), Linux cooked v1 and v2, BSD loopback, raw IP;
    /// others, and tunnels, are `.unrelated`.
    public static func related(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> RelatedPacket {
        guard let (offset, family) = networkLayer(bytes, linkType: linkType) else { return .unrelated }
        switch family {
        case 4: return relatedIPv4(bytes, offset: offset)
        case 6: return relatedIPv6(bytes, offset: offset)
        default: return .unrelated
        }
    }

    /// The offset of the IP header and its version (4 or 6) on the common link types; nil otherwise.
    static func networkLayer(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> (Int, Int)? {
        let etherTypeAt: Int, headerEnd: Int
        switch linkType {
        case .ethernet: (etherTypeAt, headerEnd) = (12, 14)
        case .linuxSLL: (etherTypeAt, headerEnd) = (14, 16)
        case .linuxSLL2: (etherTypeAt, headerEnd) = (0, 20)
        case .null, .loop:
            guard bytes.count >= 4 else { return nil }
            var family = bytes.u32(0)
            if linkType == .null && family > 0xFFFF { family = family.byteSwapped }
            switch family {
            case 2: return (4, 4)
            case 10, 24, 28, 30: return (4, 6)
            default: return nil
            }
        case .raw, .rawBSD, .ipv4, .ipv6:
            guard let first = bytes.first else { return nil }
            return (0, Int(first >> 4))
        default: return nil
        }
        guard bytes.count >= headerEnd else { return nil }
        var type = EtherType(rawValue: bytes.u16(etherTypeAt))
        var offset = headerEnd
        var tags = 0
        // Each tag is 4 bytes: TCI, then the next ethertype.
        while type.isVLANTag && tags < maximumVLANTags && bytes.count >= offset + 4 {
            type = EtherType(rawValue: bytes.u16(offset + 2))
            offset += 4
            tags += 1
        }
        switch type {
        case .ipv4: return (offset, 4)
        case .ipv6: return (offset, 6)
        default: return nil
        }
    }

    /// An IPv4 header at `offset`: a fragment of a TCP datagram, or an ICMP error.
    static func relatedIPv4(_ bytes: UnsafeRawBufferPointer, offset: Int) -> RelatedPacket {
        let available = bytes.count - offset
        guard available >= 20 else {
            return .truncated(
                DecodeProblem(layer: .ipv4, offset: offset, needed: 20, available: available, reason: "IPv4 header cut")
            )
        }
        // Safe: the 20-byte fixed header is present (checked above); options are not read.
        let headerLength = Int(bytes[offset] & 0x0f) * 4
        guard bytes[offset] >> 4 == 4, headerLength >= 20 else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 20, available: headerLength,
                    reason: "IPv4 version or header length"))
        }
        let fragmentField = bytes.u16(offset + 6)
        let isFragment = fragmentField & 0x3fff != 0  // more fragments, or an offset
        let proto = bytes[offset + 9]
        let source = IPAddress(ipv4: bytes.u32(offset + 12))
        let destination = IPAddress(ipv4: bytes.u32(offset + 16))
        if proto == IPProtocol.tcp.rawValue {
            guard isFragment else { return .unrelated }
            let key = FragmentKey(
                source: source, destination: destination, identification: UInt32(bytes.u16(offset + 4)))
            return .fragment(key, first: fragmentField & 0x1fff == 0)
        }
        // ICMP (1), whole or the first fragment: type, code, checksum, 4 unused bytes, then the quoted header.
        guard proto == 1, fragmentField & 0x1fff == 0 else { return .unrelated }
        let icmp = offset + headerLength
        guard bytes.count >= icmp + 8 else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv4, offset: icmp, needed: 8, available: max(0, bytes.count - icmp),
                    reason: "ICMP header cut"))
        }
        guard icmpv4Errors.contains(bytes[icmp]) else { return .unrelated }
        return quotedIPv4(bytes, offset: icmp + 8)
    }

    /// The IPv4 header and first 8 bytes of the datagram an ICMP error quotes (RFC 792): its TCP ports.
    static func quotedIPv4(_ bytes: UnsafeRawBufferPointer, offset: Int) -> RelatedPacket {
        let available = bytes.count - offset
        guard available >= 20 else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 20, available: max(0, available),
                    reason: "quoted IPv4 header cut"))
        }
        // Safe: the quoted fixed header is present (checked above); its length is checked before the ports.
        let headerLength = Int(bytes[offset] & 0x0f) * 4
        guard bytes[offset] >> 4 == 4, headerLength >= 20 else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 20, available: headerLength,
                    reason: "quoted IPv4 version or header length"))
        }
        guard bytes[offset + 9] == IPProtocol.tcp.rawValue, bytes.u16(offset + 6) & 0x1fff == 0 else {
            return .unrelated
        }
        return quotedPorts(
            bytes, at: offset + headerLength, source: IPAddress(ipv4: bytes.u32(offset + 12)),
            destination: IPAddress(ipv4: bytes.u32(offset + 16)), layer: .ipv4)
    }

    /// An IPv6 header at `offset`: a fragment of a TCP datagram, or an ICMPv6 error.
    static func relatedIPv6(_ bytes: UnsafeRawBufferPointer, offset: Int) -> RelatedPacket {
        guard let (next, cursor, fragment) = ipv6Chain(bytes, offset: offset) else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv6, offset: offset, needed: 40, available: max(0, bytes.count - offset),
                    reason: "IPv6 header or extension header cut"))
        }
        // Safe: `ipv6Chain` checked the 40-byte header.
        let source = IPAddress(ipv6High: bytes.u64(offset + 8), low: bytes.u64(offset + 16))
        let destination = IPAddress(ipv6High: bytes.u64(offset + 24), low: bytes.u64(offset + 32))
        if let fragment {
            guard next == IPProtocol.tcp.rawValue else { return .unrelated }
            let key = FragmentKey(source: source, destination: destination, identification: fragment.identification)
            return .fragment(key, first: fragment.isFirst)
        }
        guard next == 58 else { return .unrelated }  // ICMPv6
        guard bytes.count >= cursor + 8 else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv6, offset: cursor, needed: 8, available: max(0, bytes.count - cursor),
                    reason: "ICMPv6 header cut"))
        }
        guard icmpv6Errors.contains(bytes[cursor]) else { return .unrelated }
        // The quoted packet: its IPv6 header, its extension headers, then the TCP ports (RFC 4443 2.4 (c)).
        let quoted = cursor + 8
        guard let (quotedNext, quotedCursor, quotedFragment) = ipv6Chain(bytes, offset: quoted) else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv6, offset: quoted, needed: 40, available: max(0, bytes.count - quoted),
                    reason: "quoted IPv6 header cut"))
        }
        guard quotedNext == IPProtocol.tcp.rawValue, quotedFragment?.isFirst ?? true else { return .unrelated }
        return quotedPorts(
            bytes, at: quotedCursor,
            source: IPAddress(ipv6High: bytes.u64(quoted + 8), low: bytes.u64(quoted + 16)),
            destination: IPAddress(ipv6High: bytes.u64(quoted + 24), low: bytes.u64(quoted + 32)), layer: .ipv6)
    }

    /// Follows an IPv6 header's extension headers (hop-by-hop, routing, fragment, destination options,
    /// authentication) to the upper-layer protocol: its number, its offset, and the fragment header's
    /// identification and whether it is the first fragment (offset 0). nil when a header is cut or the chain
    /// is longer than `maximumExtensionHeaders`.
    static func ipv6Chain(
        _ bytes: UnsafeRawBufferPointer, offset: Int
    ) -> (UInt8, Int, (identification: UInt32, isFirst: Bool)?)? {
        guard bytes.count - offset >= 40, bytes[offset] >> 4 == 6 else { return nil }
        var next = bytes[offset + 6]
        var cursor = offset + 40
        var fragment: (identification: UInt32, isFirst: Bool)?
        for _ in 0..<maximumExtensionHeaders {
            let header = IPv6ExtensionHeader(rawValue: next)
            let length: Int
            switch header {
            case .hopByHop, .routing, .destinationOptions, .fragment, .authentication:
                // Every extension header starts with next header and a length byte; 8 bytes at least.
                guard bytes.count - cursor >= 8 else { return nil }
                if header == .fragment {
                    length = 8
                    fragment = (bytes.u32(cursor + 4), bytes.u16(cursor + 2) & 0xfff8 == 0)
                } else if header == .authentication {
                    length = (Int(bytes[cursor + 1]) + 2) * 4
                } else {
                    length = (Int(bytes[cursor + 1]) + 1) * 8
                }
            default:
                return (next, cursor, fragment)
            }
            guard bytes.count - cursor >= length else { return nil }
            next = bytes[cursor]
            cursor += length
            // A non-first fragment's payload is not a header: stop at it.
            if let fragment, !fragment.isFirst { return (next, cursor, fragment) }
        }
        return nil
    }

    /// The source and destination ports at `offset` (the first 4 bytes of the quoted TCP header).
    static func quotedPorts(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, source: IPAddress, destination: IPAddress,
        layer: DecodeProblem.Layer
    ) -> RelatedPacket {
        guard bytes.count >= offset + 4 else {
            return .truncated(
                DecodeProblem(
                    layer: .tcp, offset: offset, needed: 4, available: max(0, bytes.count - offset),
                    reason: "quoted TCP ports cut"))
        }
        return .icmpError(
            source: Endpoint(address: source, port: bytes.u16(offset)),
            destination: Endpoint(address: destination, port: bytes.u16(offset + 2)))
    }
}
