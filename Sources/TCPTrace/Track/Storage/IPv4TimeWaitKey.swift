/// Both addresses IPv4: 16 bytes with the tunnel identity in what was padding (48-byte entries).
struct IPv4TimeWaitKey: TimeWaitKey {
    var addresses: UInt64
    var ports: UInt32
    /// `FlowKey.tunnel`: the same 4-tuple in two tunnels (or plain and tunnelled) is two connections.
    var tunnel: UInt32

    init?(_ key: FlowKey) {
        guard !key.lower.address.isIPv6 && !key.upper.address.isIPv6 else { return nil }
        addresses = key.lower.address.low << 32 | key.upper.address.low & 0xFFFF_FFFF
        ports = UInt32(key.lower.port) << 16 | UInt32(key.upper.port)
        tunnel = key.tunnel
    }

    var hash: UInt64 {
        let h = (addresses ^ UInt64(ports) << 7 ^ UInt64(tunnel) << 40) &* 0xFF51_AFD7_ED55_8CCD
        return (h ^ (h >> 32)) &* 0xC4CE_B9FE_1A85_EC53
    }
}
