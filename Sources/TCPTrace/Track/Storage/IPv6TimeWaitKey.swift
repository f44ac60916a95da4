/// Any 4-tuple: both addresses as 64-bit halves, both ports in one word, the tunnel identity (`FlowKey.tunnel`),
/// families in bits (80-byte entries).
struct IPv6TimeWaitKey: TimeWaitKey {
    var lowerHigh: UInt64, lowerLow: UInt64, upperHigh: UInt64, upperLow: UInt64
    var ports: UInt32
    var tunnel: UInt32
    var families: UInt8

    init?(_ key: FlowKey) {
        lowerHigh = key.lower.address.high
        lowerLow = key.lower.address.low
        upperHigh = key.upper.address.high
        upperLow = key.upper.address.low
        ports = UInt32(key.lower.port) << 16 | UInt32(key.upper.port)
        tunnel = key.tunnel
        families = (key.lower.address.isIPv6 ? 1 : 0) | (key.upper.address.isIPv6 ? 2 : 0)
    }

    var hash: UInt64 {
        var h = (lowerHigh ^ upperHigh &* 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h >> 32) ^ lowerLow) &* 0xFF51_AFD7_ED55_8CCD
        h =
            (h ^ (h >> 32) ^ upperLow ^ UInt64(ports) << 20 ^ UInt64(families) ^ UInt64(tunnel) << 52)
            &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }
}
