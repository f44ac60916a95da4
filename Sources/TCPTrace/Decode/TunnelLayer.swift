/// One tunnel layer around a connection's segments, as one direction sends them: the kind, the outer IP
/// addresses, and the ids the layer's header carries.
///
/// Identity (docs/tunnels.md): a tunnelled connection is its inner 4-tuple plus, per layer, the kind, the
/// unordered pair of outer addresses and the VNI (`identityMatches`). The values that differ per direction by
/// design — a GTP-U TEID, a GRE key (ikey and okey), an ERSPAN session, the outer UDP source port (a per-flow
/// hash, RFC 7348 §5) — are recorded per direction and are not part of it.
public struct TunnelLayer: Sendable, Hashable {
    public var kind: TunnelKind
    /// The outer IP header's addresses in this direction.
    public var source: IPAddress
    public var destination: IPAddress
    /// VXLAN's or Geneve's 24-bit virtual network identifier.
    public var vni: UInt32?
    /// This direction's TEID (GTP-U), key (GRE; PPTP's call id) or session id (ERSPAN types II and III).
    public var directionalID: UInt32?
    /// The outer UDP source port (UDP tunnels).
    public var sourcePort: UInt16?

    public init(
        kind: TunnelKind, source: IPAddress, destination: IPAddress, vni: UInt32? = nil,
        directionalID: UInt32? = nil, sourcePort: UInt16? = nil
    ) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.vni = vni
        self.directionalID = directionalID
        self.sourcePort = sourcePort
    }

    /// Reads layer `mark` of `bytes`. Every offset read here was bounds-checked by the decoder before it
    /// recorded the mark (the outer IP header whole, the tunnel header whole up to its key or VNI).
    init(_ bytes: UnsafeRawBufferPointer, mark: (kind: TunnelKind, ip: Int, header: Int)) {
        let ip = mark.ip
        let header = mark.header
        if bytes[ip] >> 4 == 6 {
            source = IPAddress(ipv6High: bytes.u64(ip + 8), low: bytes.u64(ip + 16))
            destination = IPAddress(ipv6High: bytes.u64(ip + 24), low: bytes.u64(ip + 32))
        } else {
            source = IPAddress(ipv4: bytes.u32(ip + 12))
            destination = IPAddress(ipv4: bytes.u32(ip + 16))
        }
        kind = mark.kind
        vni = nil
        directionalID = nil
        sourcePort = kind.isUDP ? bytes.u16(header - 8) : nil
        switch kind {
        case .vxlan, .geneve: vni = bytes.u32(header + 4) >> 8
        case .gtpU: directionalID = bytes.u32(header + 4)
        case .gre:
            let flags = bytes.u16(header)
            if flags & 0x7 == 1 {
                directionalID = UInt32(bytes.u16(header + 6))  // PPTP: the call id (the key's low half)
            } else if flags & 0x2000 != 0 {
                directionalID = bytes.u32(header + (flags & 0x8000 != 0 ? 8 : 4))
            }
        case .erspan:
            if header != ip { directionalID = UInt32(bytes.u16(header + 2) & 0x3FF) }
        case .teredo, .ayiya, .ipInIP: break
        }
    }

    /// Same identity as `other`: kind, outer address pair in either order, VNI.
    public func identityMatches(_ other: TunnelLayer) -> Bool {
        guard kind == other.kind, vni == other.vni else { return false }
        return (source == other.source && destination == other.destination)
            || (source == other.destination && destination == other.source)
    }

    /// Hashes what identifies the layer (the address pair in order, so both directions hash alike).
    func hashIdentity(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(vni)
        if source < destination {
            hasher.combine(source); hasher.combine(destination)
        } else {
            hasher.combine(destination); hasher.combine(source)
        }
    }
}

/// A direction's whole tunnel stack, outermost layer first, and the identity it belongs to.
public struct TunnelPath: Sendable, Hashable {
    public var layers: [TunnelLayer]
    /// Interned identity (`TunnelRegistry`): equal for both directions of the same tunnels.
    public var identity: UInt32
}
