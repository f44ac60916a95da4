/// A TCP 4-tuple with its two endpoints in canonical order, so both directions map to one key.
public struct FlowKey: Hashable, Sendable {
    public var lower: Endpoint
    public var upper: Endpoint
    /// The tunnels the connection runs in (`TunnelRegistry`'s identity; 0: none). In what was the key's
    /// padding: the key stays 48 bytes.
    public var tunnel: UInt32 = 0

    /// The per-packet table lookup: a multiply-xor mix of the folded 4-tuple instead of SipHash (Dictionary
    /// calls this directly; `hash(into:)` below stays consistent with it for other uses). The three words are
    /// each mixed with the table's seed and multiplied independently (the products are computed side by side,
    /// where one chain of three rounds made the bucket's address wait for all of them), folded, and mixed once
    /// more: a product only carries a change upwards, so without the last round a port (in a word's top bits)
    /// never reached some of the low bits that choose the bucket, and flows differing only in a port (clients
    /// behind one NAT address, a load generator, a scan) piled into a few buckets.
    ///
    /// An underscored standard-library entry point, kept because the public path costs more than 3 %: with
    /// `hash(into:)` alone (SipHash-1-3 over three words) callgrind counts 8.5 % more instructions on a
    /// short-connection capture (many-40k, text: 1,822 M -> 1,976 M) and 12 % more on a long-connection one
    /// (300 MB of big: 809 M -> 909 M), measured at the restructure.
    public func _rawHashValue(seed: Int) -> Int {
        let s = UInt64(bitPattern: Int64(seed))
        let a = (lower.address.high ^ (upper.address.high &* 0x9E37_79B9_7F4A_7C15) ^ s) &* 0xFF51_AFD7_ED55_8CCD
        let b =
            (lower.address.low ^ (UInt64(lower.port) << 48) ^ (lower.address.isIPv6 ? 1 << 47 : 0)
                ^ (s &* 0x9E37_79B9_7F4A_7C15)) &* 0xC4CE_B9FE_1A85_EC53
        let c =
            (upper.address.low ^ (UInt64(upper.port) << 48) ^ (UInt64(tunnel) << 20) ^ (s >> 7 | s << 57))
            &* 0xD6E8_FEB8_6659_FD93
        var h = a ^ (b >> 21 | b << 43) ^ (c >> 43 | c << 21)
        h ^= h >> 32
        h &*= 0x9FB2_1C65_1E98_DF25
        h ^= h >> 29
        return Int(bitPattern: UInt(h))
    }

    /// Hashes four words instead of every field: addresses folded with their ports and family.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(lower.address.high ^ upper.address.high &* 0x9E37_79B9_7F4A_7C15)
        hasher.combine(lower.address.low ^ (UInt64(lower.port) << 48) ^ (lower.address.isIPv6 ? 1 << 47 : 0))
        hasher.combine(upper.address.low ^ (UInt64(upper.port) << 48) ^ (UInt64(tunnel) << 20))
    }

    @inline(__always)
    public init(_ segment: Segment) {
        let source = Endpoint(address: segment.source, port: segment.sourcePort)
        let destination = Endpoint(address: segment.destination, port: segment.destinationPort)
        if source < destination {
            lower = source; upper = destination
        } else {
            lower = destination; upper = source
        }
        tunnel = segment.tunnel
    }
}
