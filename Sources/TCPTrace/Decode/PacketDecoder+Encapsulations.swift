/// Link-level encapsulations on the way to IP: MPLS, PPPoE, PPP, PBB, VN-Tag, 802.11 (with radiotap) and Cisco
/// HDLC. Kept off the common path (`@inline(never)`): a plain Ethernet frame never reaches here. Each decoder
/// checks its length before reading, and nesting is bounded (`maximumEncapsulations`).
extension PacketDecoder {
    /// Encapsulations unwrapped in one packet before it is treated as malformed.
    static let maximumEncapsulations = 8

    /// An EtherType `decodeEtherType` does not take itself: MPLS, PPPoE session, PBB, VN-Tag.
    @inline(never)
    static func decodeEncapsulated(
        _ type: EtherType, _ bytes: UnsafeRawBufferPointer, offset: Int, depth: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard depth < maximumEncapsulations else {
            return .malformed(
                DecodeProblem(
                    layer: .link, offset: offset, needed: 0, available: bytes.count - offset,
                    reason: "too many nested encapsulations"))
        }
        switch type.rawValue {
        case 0x8847, 0x8848: return decodeMPLS(bytes, offset: offset, depth: depth + 1, into: &segment)
        case 0x8864: return decodePPPoE(bytes, offset: offset, depth: depth + 1, into: &segment)
        case 0x88E7:
            // I-tag (4 bytes: flags and the service instance id), then the customer frame's addresses (12).
            return decodeTag(.pbb, length: 18, "PBB I-tag cut", bytes, offset: offset, depth: depth, into: &segment)
        case 0x8926:
            return decodeTag(.vnTag, length: 6, "VN-Tag cut", bytes, offset: offset, depth: depth, into: &segment)
        default:
            return .notTCP
        }
    }

    /// A tag of `length` bytes whose last two are the next EtherType (PBB's I-tag with the customer addresses,
    /// VN-Tag), then what that type carries.
    private static func decodeTag(
        _ kind: Encapsulation, length: Int, _ reason: StaticString, _ bytes: UnsafeRawBufferPointer, offset: Int,
        depth: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= offset + length else { return cut(bytes, offset, length, reason) }
        segment.encapsulations.insert(kind)
        return decodeEtherType(
            EtherType(rawValue: bytes.u16(offset + length - 2)), bytes, offset: offset + length, depth: depth + 1,
            into: &segment)
    }

    /// An MPLS label stack (4 bytes a label, the last with the bottom-of-stack bit), then what it carries:
    /// IPv4 or IPv6 by the first nibble, otherwise an Ethernet pseudowire, after a control word when the
    /// nibble is 0 (Wireshark's guess, RFC 4448).
    static func decodeMPLS(
        _ bytes: UnsafeRawBufferPointer, offset start: Int, depth: Int, into segment: inout Segment
    ) -> DecodeStatus {
        segment.encapsulations.insert(.mpls)
        var offset = start
        for _ in 0..<16 {
            guard bytes.count >= offset + 4 else { return cut(bytes, offset, 4, "MPLS label cut") }
            let bottom = bytes[offset + 2] & 1 != 0
            offset += 4
            guard bottom else { continue }
            guard bytes.count > offset else { return cut(bytes, offset, 1, "MPLS payload cut") }
            switch bytes[offset] >> 4 {
            case 4: return decodeIPv4(bytes, offset: offset, into: &segment)
            case 6: return decodeIPv6(bytes, offset: offset, into: &segment)
            case 0:
                guard bytes.count >= offset + 18 else { return cut(bytes, offset, 18, "MPLS pseudowire cut") }
                return decodeEtherType(
                    EtherType(rawValue: bytes.u16(offset + 16)), bytes, offset: offset + 18, depth: depth,
                    into: &segment)
            default:
                guard bytes.count >= offset + 14 else { return cut(bytes, offset, 14, "MPLS pseudowire cut") }
                return decodeEtherType(
                    EtherType(rawValue: bytes.u16(offset + 12)), bytes, offset: offset + 14, depth: depth,
                    into: &segment)
            }
        }
        return .malformed(
            DecodeProblem(
                layer: .link, offset: start, needed: 0, available: bytes.count - start,
                reason: "MPLS label stack without a bottom label"))
    }

    /// A PPPoE session header (RFC 2516: version and type 0x11, code 0, session id, length), then PPP.
    static func decodePPPoE(
        _ bytes: UnsafeRawBufferPointer, offset: Int, depth: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= offset + 6 else { return cut(bytes, offset, 6, "PPPoE header cut") }
        guard bytes[offset] == 0x11, bytes[offset + 1] == 0 else { return .notTCP }  // discovery, other versions
        segment.encapsulations.insert(.pppoe)
        return decodePPP(bytes, offset: offset + 6, depth: depth, into: &segment)
    }

    /// PPP (RFC 1661): an optional address and control field (0xFF 0x03), then the protocol, one byte when
    /// compressed (an odd first byte, RFC 1661 6.5); IPv4 (0x21), IPv6 (0x57) and MPLS (0x281, 0x283) are
    /// followed.
    static func decodePPP(
        _ bytes: UnsafeRawBufferPointer, offset start: Int, depth: Int, into segment: inout Segment
    ) -> DecodeStatus {
        segment.encapsulations.insert(.ppp)
        var offset = start
        guard bytes.count >= offset + 2 else { return cut(bytes, offset, 2, "PPP header cut") }
        if bytes[offset] == 0xFF && bytes[offset + 1] == 0x03 { offset += 2 }
        guard bytes.count > offset else { return cut(bytes, offset, 1, "PPP protocol cut") }
        let proto: UInt16
        if bytes[offset] & 1 != 0 {
            proto = UInt16(bytes[offset])
            offset += 1
        } else {
            guard bytes.count >= offset + 2 else { return cut(bytes, offset, 2, "PPP protocol cut") }
            proto = bytes.u16(offset)
            offset += 2
        }
        switch proto {
        case 0x21: return decodeIPv4(bytes, offset: offset, into: &segment)
        case 0x57: return decodeIPv6(bytes, offset: offset, into: &segment)
        case 0x281, 0x283: return decodeMPLS(bytes, offset: offset, depth: depth + 1, into: &segment)  // RFC 3032 §5
        default: return .notTCP
        }
    }

    /// A PPP serial link (DLT_PPP_SERIAL): PPP in HDLC-like framing, or Cisco HDLC on the same link type.
    @inline(never)
    static func decodePPPSerial(_ bytes: UnsafeRawBufferPointer, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count >= 1 else { return cut(bytes, 0, 1, "PPP serial frame empty") }
        if bytes[0] == 0x0F || bytes[0] == 0x8F { return decodeCiscoHDLC(bytes, into: &segment) }
        return decodePPP(bytes, offset: 0, depth: 0, into: &segment)
    }

    /// Cisco HDLC (DLT_C_HDLC): address, control, then an EtherType.
    @inline(never)
    static func decodeCiscoHDLC(_ bytes: UnsafeRawBufferPointer, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count >= 4 else { return cut(bytes, 0, 4, "Cisco HDLC header cut") }
        segment.encapsulations.insert(.ciscoHDLC)
        return decodeEtherType(EtherType(rawValue: bytes.u16(2)), bytes, offset: 4, depth: 1, into: &segment)
    }

    /// Radiotap (DLT_IEEE802_11_RADIO): a little-endian header length at bytes 2-3, then an 802.11 frame.
    @inline(never)
    static func decodeRadiotap(_ bytes: UnsafeRawBufferPointer, into segment: inout Segment) -> DecodeStatus {
        guard bytes.count >= 8 else { return cut(bytes, 0, 8, "radiotap header cut") }
        let length = Int(bytes[2]) | Int(bytes[3]) << 8
        guard length >= 8 else {
            return .malformed(
                DecodeProblem(
                    layer: .link, offset: 0, needed: 8, available: length, reason: "radiotap length below 8"))
        }
        guard bytes.count >= length else { return cut(bytes, 0, length, "radiotap header cut") }
        segment.encapsulations.insert(.radiotap)
        return decode80211(bytes, offset: length, into: &segment)
    }

    /// An IEEE 802.11 frame (DLT_IEEE802_11): only data frames carry IP. The MAC header is 24 bytes, 30 with
    /// four addresses (to and from the distribution system), 2 more for QoS data, 4 more for an HT control
    /// field (QoS frames with the order bit); then LLC/SNAP (0xAA 0xAA 0x03, three zero bytes) and an
    /// EtherType. A protected (encrypted) frame is counted as not TCP: its payload cannot be read.
    @inline(never)
    static func decode80211(
        _ bytes: UnsafeRawBufferPointer, offset start: Int, into segment: inout Segment
    ) -> DecodeStatus {
        guard bytes.count >= start + 24 else { return cut(bytes, start, 24, "802.11 header cut") }
        segment.encapsulations.insert(.ieee80211)
        let control = bytes[start]
        let flags = bytes[start + 1]
        guard (control >> 2) & 0x3 == 2 else { return .notTCP }  // management and control frames
        let subtype = control >> 4
        guard subtype & 0x4 == 0 else { return .notTCP }  // the null-data subtypes carry nothing
        guard flags & 0x40 == 0 else { return .notTCP }  // protected: encrypted payload
        var length = 24
        if flags & 0x3 == 0x3 { length += 6 }  // to-DS and from-DS: four addresses
        if subtype & 0x8 != 0 {
            length += 2  // QoS control
            if flags & 0x80 != 0 { length += 4 }  // HT control
        }
        let llc = start + length
        guard bytes.count >= llc + 8 else { return cut(bytes, llc, 8, "802.11 LLC/SNAP header cut") }
        guard bytes[llc] == 0xAA, bytes[llc + 1] == 0xAA, bytes[llc + 2] == 0x03 else { return .notTCP }
        return decodeEtherType(
            EtherType(rawValue: bytes.u16(llc + 6)), bytes, offset: llc + 8, depth: 1, into: &segment)
    }

    /// A header cut short at `offset` (`needed` bytes wanted).
    private static func cut(
        _ bytes: UnsafeRawBufferPointer, _ offset: Int, _ needed: Int, _ reason: StaticString
    ) -> DecodeStatus {
        .truncated(
            DecodeProblem(
                layer: .link, offset: offset, needed: needed, available: max(0, bytes.count - offset),
                reason: reason))
    }
}
