import Foundation

/// Builds packet bytes layer by layer. Checksums are left zero (the analyzer verifies them only with
/// `--verify-checksums`) unless `fillChecksums` fills them in.
public enum PacketBuilder {
    /// TCP flag bits.
    public enum Flag {
        public static let fin: UInt16 = 0x01
        public static let syn: UInt16 = 0x02
        public static let rst: UInt16 = 0x04
        public static let psh: UInt16 = 0x08
        public static let ack: UInt16 = 0x10
    }

    /// TCP option bytes.
    public enum Option {
        public static func mss(_ value: UInt16) -> [UInt8] { [2, 4] + be16(value) }
        public static func windowScale(_ shift: UInt8) -> [UInt8] { [3, 3, shift] }
        public static let sackPermitted: [UInt8] = [4, 2]
        public static func timestamps(_ value: UInt32, _ echo: UInt32) -> [UInt8] {
            [8, 10] + be32(value) + be32(echo)
        }
        public static func sack(_ blocks: [(UInt32, UInt32)]) -> [UInt8] {
            [5, UInt8(2 + 8 * blocks.count)] + blocks.flatMap { be32($0.0) + be32($0.1) }
        }
        public static let nop: [UInt8] = [1]
    }

    public static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    public static func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }

    /// A TCP header plus payload; options are padded with NOPs/EOL to a multiple of 4 bytes.
    public static func tcp(
        sourcePort: UInt16, destinationPort: UInt16, seq: UInt32, ack: UInt32, flags: UInt16,
        window: UInt16 = 65535, options: [UInt8] = [], payload: [UInt8] = [],
        dataOffsetOverride: UInt8? = nil
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let offset = dataOffsetOverride ?? UInt8((20 + opts.count) / 4)
        var h = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack)
        h += [offset << 4 | UInt8(flags >> 8 & 1), UInt8(flags & 0xff)]
        h += be16(window) + [0, 0] + [0, 0]
        return h + opts + payload
    }

    /// Fills in the IPv4 header checksum and the TCP checksum (pseudo-header, header, payload) of an IP
    /// packet carrying TCP directly (no IPv6 extension headers); `corrupt` flips the TCP checksum's bits.
    public static func fillChecksums(_ packet: [UInt8], corrupt: Bool = false) -> [UInt8] {
        var p = packet
        let tcp: Int
        var pseudo: [UInt8]
        if p[0] >> 4 == 4 {
            let headerLength = Int(p[0] & 0x0f) * 4
            p[10] = 0
            p[11] = 0
            let ipSum = checksum(Array(p[0..<headerLength]))
            p[10] = UInt8(ipSum >> 8)
            p[11] = UInt8(ipSum & 0xff)
            tcp = headerLength
            pseudo = Array(p[12..<20]) + [0, 6] + be16(UInt16(p.count - tcp))
        } else {
            tcp = 40
            pseudo = Array(p[8..<40]) + be32(UInt32(p.count - tcp)) + [0, 0, 0, 6]
        }
        p[tcp + 16] = 0
        p[tcp + 17] = 0
        var sum = checksum(pseudo + Array(p[tcp...]))
        if corrupt { sum = ~sum }
        p[tcp + 16] = UInt8(sum >> 8)
        p[tcp + 17] = UInt8(sum & 0xff)
        return p
    }

    /// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// An IPv4 header (with optional options) in front of `payload`.
    public static func ipv4(
        source: String, destination: String, payload: [UInt8], protocolNumber: UInt8 = 6,
        options: [UInt8] = [], identification: UInt16 = 1, moreFragments: Bool = false,
        fragmentOffset: UInt16 = 0, totalLengthOverride: UInt16? = nil, ttl: UInt8 = 64
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let headerLength = 20 + opts.count
        let total = totalLengthOverride ?? UInt16(headerLength + payload.count)
        var h: [UInt8] = [0x40 | UInt8(headerLength / 4), 0]
        h += be16(total) + be16(identification)
        h += be16((moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1fff))
        h += [ttl, protocolNumber, 0, 0]
        h += ipv4Bytes(source) + ipv4Bytes(destination)
        return h + opts + payload
    }

    /// An IPv6 header with an optional chain of extension headers: each `(type, body)` where body excludes
    /// the next-header byte and is padded to 8-byte units (fragment header: 6 bytes of body).
    public static func ipv6(
        source: String, destination: String, payload: [UInt8], nextHeader: UInt8 = 6,
        extensionHeaders: [(type: UInt8, body: [UInt8])] = [], hopLimit: UInt8 = 64
    ) -> [UInt8] {
        var chain: [UInt8] = []
        for (i, ext) in extensionHeaders.enumerated() {
            let next = i + 1 < extensionHeaders.count ? extensionHeaders[i + 1].type : nextHeader
            if ext.type == 44 {
                chain += [next, 0] + ext.body.prefix(6) + Array(repeating: 0, count: max(0, 6 - ext.body.count))
            } else {
                var body = ext.body
                while (body.count + 2) % 8 != 0 { body.append(0) }
                chain += [next, UInt8((body.count + 2) / 8 - 1)] + body
            }
        }
        let first = extensionHeaders.first?.type ?? nextHeader
        var h: [UInt8] = [0x60, 0, 0, 0]
        h += be16(UInt16(chain.count + payload.count)) + [first, hopLimit]
        h += ipv6Bytes(source) + ipv6Bytes(destination)
        return h + chain + payload
    }

    /// Ethernet II with optional VLAN tags (TPID, VLAN id) outermost first; padded to the 60-byte minimum.
    public static func ethernet(
        _ payload: [UInt8], etherType: UInt16, vlanTags: [(tpid: UInt16, id: UInt16)] = []
    )
        -> [UInt8]
    {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]
        for tag in vlanTags { frame += be16(tag.tpid) + be16(tag.id & 0x0fff) }
        frame += be16(etherType) + payload
        while frame.count < 60 { frame.append(0) }
        return frame
    }

    /// Linux cooked v1 header (16 bytes).
    public static func sll(_ payload: [UInt8], protocolType: UInt16) -> [UInt8] {
        be16(0) + be16(772) + be16(6) + [0, 0, 0, 0, 0, 0, 0, 0] + be16(protocolType) + payload
    }

    /// Linux cooked v2 header (20 bytes).
    public static func sll2(_ payload: [UInt8], protocolType: UInt16) -> [UInt8] {
        be16(protocolType) + [0, 0] + be32(1) + be16(772) + [0, 6] + [0, 0, 0, 0, 0, 0, 0, 0] + payload
    }

    /// BSD loopback header: 4-byte address family, little-endian (DLT_NULL from an x86 host) or big-endian.
    public static func null(_ payload: [UInt8], family: UInt32, bigEndian: Bool = false) -> [UInt8] {
        (bigEndian ? be32(family) : be32(family).reversed()) + payload
    }

    public static func ipv4Bytes(_ text: String) -> [UInt8] {
        text.split(separator: ".").map { UInt8($0)! }
    }

    public static func ipv6Bytes(_ text: String) -> [UInt8] {
        let halves = text.components(separatedBy: "::")
        func words(_ s: String) -> [UInt16] { s.isEmpty ? [] : s.split(separator: ":").map { UInt16($0, radix: 16)! } }
        let head = words(halves[0])
        let tail = halves.count > 1 ? words(halves[1]) : []
        let all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return all.flatMap { be16($0) }
    }
}
