/// Turns the bytes of one captured packet into a `DecodeOutcome`.
///
/// Every header decoder checks its length once at its top and reads without further checks after that;
/// every length field is validated before it is used in arithmetic, so no input can trap or loop.
/// Short input gives `.truncated`, impossible fields give `.malformed`.
public enum PacketDecoder {
    /// Nested VLAN tags accepted before the packet is treated as malformed (QinQ uses two; allow slack).
    static let maximumVLANTags = 8
    /// IPv6 extension headers followed before giving up (RFC 8200 4.1 expects each at most once or twice).
    static let maximumExtensionHeaders = 16

    /// Decodes one packet into a `DecodeOutcome` (convenient; the per-packet path uses `decode(_:linkType:into:)`).
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> DecodeOutcome {
        var segment = Segment.empty
        switch decode(bytes, linkType: linkType, into: &segment) {
        case .tcp: return .tcp(segment)
        case .notTCP: return .notTCP
        case .fragment: return .fragment
        case .truncated(let p): return .truncated(p)
        case .malformed(let p): return .malformed(p)
        case .damagedInTunnel(let kind, let p, let truncated): return .damagedInTunnel(kind, p, truncated: truncated)
        }
    }

    /// Decodes one packet, writing a TCP segment into `segment` (which is left as it was otherwise). The
    /// segment is filled in place instead of being returned so that no 140-byte value is copied per packet.
    /// Inlined into the read loop, where the reading thread packs the segment for the tracker straight from
    /// registers (measured: 0.08 s less per 10 M packets than a call that writes the segment to memory first).
    @inline(__always)
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, into segment: inout Segment
    )
        -> DecodeStatus
    {
        segment.encapsulations = []
        segment.tunnelMarks.removeAll()
        switch linkType {
        case .ethernet: return decodeEthernet(bytes, into: &segment)
        case .linuxSLL: return decodeSLL(bytes, into: &segment)
        case .linuxSLL2: return decodeSLL2(bytes, into: &segment)
        case .null: return decodeNull(bytes, networkOrder: false, into: &segment)
        case .loop: return decodeNull(bytes, networkOrder: true, into: &segment)
        case .raw, .rawBSD: return decodeRawIP(bytes, offset: 0, into: &segment)
        case .ipv4: return decodeIPv4(bytes, offset: 0, into: &segment)
        case .ipv6: return decodeIPv6(bytes, offset: 0, into: &segment)
        default: return decodeOtherLink(bytes, linkType: linkType, into: &segment)
        }
    }

    /// The link types whose frames wrap IP in something else (`PacketDecoder+Encapsulations.swift`).
    @inline(never)
    static func decodeOtherLink(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, into segment: inout Segment
    ) -> DecodeStatus {
        switch linkType {
        case .ppp: return decodePPP(bytes, offset: 0, depth: 0, into: &segment)
        case .pppSerial: return decodePPPSerial(bytes, into: &segment)
        case .pppEther: return decodePPPoE(bytes, offset: 0, depth: 0, into: &segment)
        case .ciscoHDLC: return decodeCiscoHDLC(bytes, into: &segment)
        case .ieee80211: return decode80211(bytes, offset: 0, into: &segment)
        case .radiotap: return decodeRadiotap(bytes, into: &segment)
        default: return .notTCP
        }
    }

    // MARK: Link layers

    /// An Ethernet frame at `offset` (0 on an Ethernet link; inside a tunnel, through `innerEthernet`).
    @inline(__always)
    static func decodeEthernet(
        _ bytes: UnsafeRawBufferPointer, at offset: Int = 0, depth: Int = 0, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= offset + 14 else {
            return .truncated(
                DecodeProblem(
                    layer: .link, offset: offset, needed: 14, available: max(0, bytes.count - offset),
                    reason: "Ethernet header cut"))
        }
        return decodeEtherType(
            EtherType(rawValue: bytes.u16(offset + 12)), bytes, offset: offset + 14, depth: depth, into: &segment)
    }

    /// Follows 802.1Q / 802.1ad tags (each 4 bytes: TCI then the next ethertype) to the network layer.
    @inline(__always)
    static func decodeEtherType(
        _ firstType: EtherType, _ bytes: UnsafeRawBufferPointer, offset start: Int, depth: Int = 0,
        into segment: inout Segment
    ) -> DecodeStatus {
        var type = firstType
        var offset = start
        var tags = 0
        while type.isVLANTag {
            tags += 1
            guard tags <= maximumVLANTags else {
                return .malformed(
                    DecodeProblem(
                        layer: .link, offset: offset, needed: 0, available: bytes.count,
                        reason: "too many nested VLAN tags"))
            }
            guard bytes.count >= offset + 4 else {
                return .truncated(
                    DecodeProblem(
                        layer: .link, offset: offset, needed: 4,
                        available: bytes.count - offset, reason: "VLAN tag cut"))
            }
            type = EtherType(rawValue: bytes.u16(offset + 2))
            offset += 4
        }
        switch type {
        case .ipv4: return decodeIPv4(bytes, offset: offset, into: &segment)
        case .ipv6: return decodeIPv6(bytes, offset: offset, into: &segment)
        default: return decodeEncapsulated(type, bytes, offset: offset, depth: depth, into: &segment)
        }
    }

    /// Linux cooked v1: 16-byte header, protocol (ethertype) in its last two bytes.
    @inline(never)
    static func decodeSLL(_ bytes: UnsafeRawBufferPointer, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count >= 16 else {
            return .truncated(
                DecodeProblem(
                    layer: .link, offset: 0, needed: 16, available: bytes.count,
                    reason: "Linux cooked (SLL) header cut"))
        }
        return decodeEtherType(EtherType(rawValue: bytes.u16(14)), bytes, offset: 16, into: &segment)
    }

    /// Linux cooked v2: 20-byte header, protocol (ethertype) in its first two bytes.
    @inline(never)
    static func decodeSLL2(_ bytes: UnsafeRawBufferPointer, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count >= 20 else {
            return .truncated(
                DecodeProblem(
                    layer: .link, offset: 0, needed: 20, available: bytes.count,
                    reason: "Linux cooked v2 (SLL2) header cut"))
        }
        return decodeEtherType(EtherType(rawValue: bytes.u16(0)), bytes, offset: 20, into: &segment)
    }

    /// BSD loopback: a 4-byte address family, in the capturing host's byte order for DLT_NULL and in network
    /// order for DLT_LOOP. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD),
    /// 30 (Darwin) or 10 (Linux).
    @inline(never)
    static func decodeNull(
        _ bytes: UnsafeRawBufferPointer, networkOrder: Bool, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= 4 else {
            return .truncated(
                DecodeProblem(
                    layer: .link, offset: 0, needed: 4, available: bytes.count,
                    reason: "loopback header cut"))
        }
        var family = bytes.u32(0)
        // The writer's byte order is unknown for DLT_NULL: a family number never exceeds 0xFFFF.
        if !networkOrder && family > 0xFFFF { family = family.byteSwapped }
        switch family {
        case 2: return decodeIPv4(bytes, offset: 4, into: &segment)
        case 10, 24, 28, 30: return decodeIPv6(bytes, offset: 4, into: &segment)
        default: return .notTCP
        }
    }

    /// Raw IP: the version nibble picks IPv4 or IPv6.
    @inline(never)
    static func decodeRawIP(_ bytes: UnsafeRawBufferPointer, offset: Int, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count > offset else {
            return .truncated(
                DecodeProblem(
                    layer: .link, offset: offset, needed: 1, available: 0,
                    reason: "empty raw IP packet"))
        }
        switch bytes[offset] >> 4 {
        case 4: return decodeIPv4(bytes, offset: offset, into: &segment)
        case 6: return decodeIPv6(bytes, offset: offset, into: &segment)
        default:
            return .malformed(
                DecodeProblem(
                    layer: .link, offset: offset, needed: 0, available: bytes.count - offset,
                    reason: "raw IP packet with IP version neither 4 nor 6"))
        }
    }

    // MARK: Network layers

    /// IPv4 (RFC 791). The TCP payload length is the total length minus both headers; bytes captured after
    /// the total length (Ethernet padding) are ignored. A total length of 0 is what Linux records for
    /// TSO-offloaded segments seen on the sender: the captured length stands in for it then.
    @inline(__always)
    static func decodeIPv4(_ bytes: UnsafeRawBufferPointer, offset: Int, into segment: inout Segment) -> DecodeStatus {
        let available = bytes.count - offset
        guard available >= 20 else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 20, available: available,
                    reason: "IPv4 header cut"))
        }
        // Safe: 20 bytes checked above.
        let versionIHL = bytes[offset]
        guard versionIHL >> 4 == 4 else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 0, available: available,
                    reason: "IP version is not 4"))
        }
        let headerLength = Int(versionIHL & 0x0f) * 4
        guard headerLength >= 20 else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: 20, available: headerLength,
                    reason: "IPv4 header length below 20"))
        }
        guard available >= headerLength else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: headerLength, available: available,
                    reason: "IPv4 options cut"))
        }
        var totalLength = Int(bytes.u16(offset + 2))
        if totalLength == 0 { totalLength = available }
        guard totalLength >= headerLength else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv4, offset: offset, needed: headerLength, available: totalLength,
                    reason: "IPv4 total length below header length"))
        }
        let fragmentField = bytes.u16(offset + 6)
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = fragmentField & 0x1fff
        guard IPProtocol(rawValue: bytes[offset + 9]) == .tcp else {
            // (One out-of-line call: more branches here made the compiler stop inlining `decodeTCP` below.)
            return decodeIPv4Payload(
                bytes, ip: offset, payload: offset + headerLength, end: offset + totalLength, fragment: fragmentField,
                into: &segment)
        }
        if fragmentOffset != 0 { return .fragment }
        segment.ttl = bytes[offset + 8]
        segment.networkOffset = UInt32(truncatingIfNeeded: offset)
        let source = IPAddress(ipv4: bytes.u32(offset + 12))
        var destination = IPAddress(ipv4: bytes.u32(offset + 16))
        if headerLength > 20, let final = finalDestination(bytes, options: (offset + 20)..<(offset + headerLength)) {
            destination = final
        }
        return decodeTCP(
            bytes, offset: offset + headerLength, ipPayloadLength: totalLength - headerLength,
            source: source, destination: destination, isFirstFragment: moreFragments, into: &segment)
    }

    /// IPv6 (RFC 8200) with its extension-header chain: hop-by-hop, routing, fragment, destination options and
    /// authentication (see `IPv6ExtensionHeader` for how each one's length is counted).
    @inline(__always)
    static func decodeIPv6(_ bytes: UnsafeRawBufferPointer, offset: Int, into segment: inout Segment) -> DecodeStatus {
        let available = bytes.count - offset
        guard available >= 40 else {
            return .truncated(
                DecodeProblem(
                    layer: .ipv6, offset: offset, needed: 40, available: available,
                    reason: "IPv6 header cut"))
        }
        guard bytes[offset] >> 4 == 6 else {
            return .malformed(
                DecodeProblem(
                    layer: .ipv6, offset: offset, needed: 0, available: available,
                    reason: "IP version is not 6"))
        }
        var payloadLength = Int(bytes.u16(offset + 4))
        // A zero payload length means a jumbogram (RFC 2675) or a TSO segment: use what was captured.
        if payloadLength == 0 { payloadLength = available - 40 }
        var next = bytes[offset + 6]
        segment.ttl = bytes[offset + 7]
        segment.networkOffset = UInt32(truncatingIfNeeded: offset)
        let source = IPAddress(ipv6High: bytes.u64(offset + 8), low: bytes.u64(offset + 16))
        let destination = IPAddress(ipv6High: bytes.u64(offset + 24), low: bytes.u64(offset + 32))
        var cursor = offset + 40
        var remaining = payloadLength
        var isFirstFragment = false
        var headers = 0
        // Compared as a byte, not as `IPProtocol(rawValue: next) != .tcp`: that form changed how the compiler laid
        // out the inlined read loop (registers, where an overflow check sits; seen in the disassembly).
        while next != IPProtocol.tcp.rawValue {
            let header = IPv6ExtensionHeader(rawValue: next)
            let headerLength: Int
            switch header {
            case .hopByHop, .routing, .destinationOptions, .fragment, .authentication:
                guard bytes.count - cursor >= 8 else {
                    return .truncated(
                        DecodeProblem(
                            layer: .ipv6, offset: cursor, needed: 8,
                            available: bytes.count - cursor,
                            reason: "IPv6 extension header cut"))
                }
                if header == .fragment {
                    headerLength = 8
                    let fragmentField = bytes.u16(cursor + 2)
                    if fragmentField & 0xfff8 != 0 { return .fragment }
                    isFirstFragment = fragmentField & 1 != 0
                } else if header == .authentication {
                    headerLength = (Int(bytes[cursor + 1]) + 2) * 4
                } else {
                    headerLength = (Int(bytes[cursor + 1]) + 1) * 8
                }
            default:
                // No next header (59), ICMPv6, ESP, …; UDP, GRE and IP in IP may carry a tunnel (followed in a
                // first fragment too: `decodeIPv4Payload`).
                return decodeIPPayload(
                    next, bytes, ip: offset, payload: cursor, end: cursor + remaining, into: &segment)
            }
            headers += 1
            guard headers <= maximumExtensionHeaders, headerLength <= remaining else {
                return .malformed(
                    DecodeProblem(
                        layer: .ipv6, offset: cursor, needed: headerLength,
                        available: remaining,
                        reason: "IPv6 extension headers exceed the payload length"))
            }
            guard bytes.count - cursor >= headerLength else {
                return .truncated(
                    DecodeProblem(
                        layer: .ipv6, offset: cursor, needed: headerLength,
                        available: bytes.count - cursor, reason: "IPv6 extension header cut"))
            }
            next = bytes[cursor]
            cursor += headerLength
            remaining -= headerLength
        }
        return decodeTCP(
            bytes, offset: cursor, ipPayloadLength: remaining, source: source,
            destination: destination, isFirstFragment: isFirstFragment, into: &segment)
    }

    /// With loose or strict source routing (RFC 791 3.1, options 131 and 137) the header's destination is the
    /// next hop; the connection's endpoint is the last address of the route. The options were bounds-checked
    /// with the header; each option length is checked (>= 2, inside the header) before use.
    @inline(never)
    static func finalDestination(_ bytes: UnsafeRawBufferPointer, options: Range<Int>) -> IPAddress? {
        var cursor = options.lowerBound
        while cursor < options.upperBound {
            let type = bytes[cursor]
            if type == 0 { return nil }
            if type == 1 { cursor += 1; continue }
            guard cursor + 1 < options.upperBound else { return nil }
            let length = Int(bytes[cursor + 1])
            guard length >= 2, cursor + length <= options.upperBound else { return nil }
            if (type == 131 || type == 137) && length >= 7 {
                let routeEnd = cursor + 3 + (length - 3) / 4 * 4
                return IPAddress(ipv4: bytes.u32(routeEnd - 4))
            }
            cursor += length
        }
        return nil
    }

    // MARK: TCP

    /// TCP (RFC 9293 3.1). Fewer than 20 captured bytes: `.truncated`, the segment is not trusted for flags it
    /// may not hold. Options cut by the snap length: the segment is returned with `optionsTruncated`.
    @_transparent
    static func decodeTCP(
        _ bytes: UnsafeRawBufferPointer, offset: Int, ipPayloadLength: Int, source: IPAddress,
        destination: IPAddress, isFirstFragment: Bool, into segment: inout Segment
    ) -> DecodeStatus {
        let available = bytes.count - offset
        guard available >= 20 else {
            return .truncated(
                DecodeProblem(
                    layer: .tcp, offset: offset, needed: 20, available: max(0, available),
                    reason: "TCP header cut"))
        }
        // Safe: the 20-byte fixed header is present.
        let dataOffset = Int(bytes[offset + 12] >> 4) * 4
        guard dataOffset >= 20 else {
            return .malformed(
                DecodeProblem(
                    layer: .tcp, offset: offset, needed: 20, available: dataOffset,
                    reason: "TCP data offset below 20"))
        }
        guard dataOffset <= ipPayloadLength else {
            return .malformed(
                DecodeProblem(
                    layer: .tcp, offset: offset, needed: dataOffset, available: ipPayloadLength,
                    reason: "TCP header longer than the IP payload"))
        }
        let payloadLength = ipPayloadLength - dataOffset
        // Field by field, in place: a whole `Segment(...)` or `TCPOptions` value built aside and copied in
        // was read back with wide loads from narrow stores just made (a store-forwarding stall per packet).
        segment.source = source
        segment.destination = destination
        segment.transportOffset = UInt32(truncatingIfNeeded: offset)
        segment.sourcePort = bytes.u16(offset)
        segment.destinationPort = bytes.u16(offset + 2)
        segment.sequence = SequenceNumber(bytes.u32(offset + 4))
        segment.acknowledgment = SequenceNumber(bytes.u32(offset + 8))
        segment.flags = TCPFlags(rawValue: (UInt16(bytes[offset + 12] & 1) << 8) | UInt16(bytes[offset + 13]))
        segment.window = bytes.u16(offset + 14)
        segment.payloadLength = UInt32(payloadLength)
        segment.capturedPayloadLength = UInt32(max(0, min(payloadLength, bytes.count - (offset + dataOffset))))
        segment.headerLength = UInt8(dataOffset)
        segment.optionsTruncated = available < dataOffset
        segment.isFirstFragment = isFirstFragment
        parseOptions(bytes, from: offset + 20, to: min(offset + dataOffset, bytes.count), into: &segment.options)
        return .tcp
    }

    /// Parses options in `[start, end)` into `options`, which is reset first. Each option with a length byte
    /// must have length >= 2 and fit before `end`, so the loop always advances; a bad length stops parsing and
    /// marks the options malformed.
    @inline(__always)
    static func parseOptions(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
        into options: inout TCPOptions
    ) {
        options.mss = nil
        options.windowScale = nil
        options.sackPermitted = false
        options.timestampValue = nil
        options.timestampEcho = nil
        options.sack.removeAll()
        options.malformed = false
        var cursor = start
        while cursor < end {
            let kind = TCPOptionKind(rawValue: bytes[cursor])
            if kind == .endOfOptionList { break }
            if kind == .noOperation { cursor += 1; continue }
            guard cursor + 1 < end else { break }  // length byte cut (snap length): stop quietly
            let length = Int(bytes[cursor + 1])
            guard length >= 2 else { options.malformed = true; break }
            guard cursor + length <= end else { break }  // option cut by the header end or snap length
            switch (kind, length) {
            case (.maximumSegmentSize, 4): options.mss = bytes.u16(cursor + 2)
            case (.windowScale, 3): options.windowScale = bytes[cursor + 2]
            case (.sackPermitted, 2): options.sackPermitted = true
            case (.timestamps, 10):
                options.timestampValue = bytes.u32(cursor + 2)
                options.timestampEcho = bytes.u32(cursor + 6)
            case (.sack, _):
                var block = cursor + 2
                while block + 8 <= cursor + length {
                    options.sack.append(left: bytes.u32(block), right: bytes.u32(block + 4))
                    block += 8
                }
            default: break
            }
            cursor += length
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Big-endian reads at a byte offset. Callers check bounds first (see each decoder's guard).
    /// Assembled from single bytes through the base pointer: the optimizer turns this into one load and a
    /// byte swap, where the generic `loadUnaligned` stayed an out-of-line call in the read loop.
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        assert(offset >= 0 && offset + 2 <= count, "read past the packet")  // (debug builds: tests catch it)
        let p = baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self) + offset
        return UInt16(p[0]) << 8 | UInt16(p[1])
    }
    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        assert(offset >= 0 && offset + 4 <= count, "read past the packet")
        let p = baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self) + offset
        return UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }
    @inline(__always) func u64(_ offset: Int) -> UInt64 {
        UInt64(u32(offset)) << 32 | UInt64(u32(offset + 4))
    }
}
