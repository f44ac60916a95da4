/// Checks a decoded segment's IPv4 header checksum (RFC 791) and TCP checksum (RFC 9293 3.1: the one's
/// complement sum over the pseudo-header, the TCP header and the payload), from the packet's bytes and the
/// offsets the decoder recorded. Only with `--verify-checksums`.
enum ChecksumVerifier {
    /// The verdict on `segment`, decoded from `bytes`. A segment whose payload the snap length cut, a
    /// fragment, or a packet whose IP length field is 0 (a TSO segment, a jumbogram) cannot be checked.
    static func verify(_ bytes: UnsafeRawBufferPointer, _ segment: borrowing Segment) -> ChecksumStatus {
        let ip = Int(segment.networkOffset)
        let tcp = Int(segment.transportOffset)
        let tcpLength = Int(segment.headerLength) + Int(segment.payloadLength)
        guard !segment.isFirstFragment, segment.capturedPayloadLength == segment.payloadLength,
            ip < tcp, tcp + tcpLength <= bytes.count
        else { return .unverifiable }
        var sum: UInt64 = 0
        if bytes[ip] >> 4 == 4 {
            let headerLength = Int(bytes[ip] & 0x0f) * 4
            guard bytes.u16(ip + 2) != 0, ip + headerLength <= bytes.count else { return .unverifiable }
            if fold(add(bytes, from: ip, count: headerLength)) != 0xffff { return .badIP }
            // The pseudo-header: source, final destination (a source route's last hop), zero, 6, TCP length.
            sum = add(bytes, from: ip + 12, count: 4)
            sum += UInt64(segment.destination.low & 0xffff) + UInt64((segment.destination.low >> 16) & 0xffff)
        } else {
            guard bytes.u16(ip + 4) != 0 else { return .unverifiable }
            sum = add(bytes, from: ip + 8, count: 16)
            sum += words(segment.destination.high) + words(segment.destination.low)
        }
        sum += UInt64(IPProtocol.tcp.rawValue) + UInt64(tcpLength)
        sum += add(bytes, from: tcp, count: tcpLength)
        return fold(sum) == 0xffff ? .good : .badTCP
    }

    /// The sum of `count` bytes from `start` as big-endian 16-bit words (an odd last byte padded with zero).
    private static func add(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) -> UInt64 {
        var sum: UInt64 = 0
        var i = start
        let end = start + count
        while i + 1 < end {
            sum += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < end { sum += UInt64(bytes[i]) << 8 }
        return sum
    }

    /// The sum of a 64-bit value's four 16-bit words (no array per packet).
    private static func words(_ value: UInt64) -> UInt64 {
        (value & 0xffff) + (value >> 16 & 0xffff) + (value >> 32 & 0xffff) + (value >> 48)
    }

    /// Folds the carries back in: the one's complement sum in 16 bits.
    private static func fold(_ value: UInt64) -> UInt64 {
        var sum = value
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return sum
    }
}
