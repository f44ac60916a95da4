/// The tunnels a connection's segments came in, per endpoint as sender (the first path each one used), kept
/// out of line (`Connection.tunnels`): an untunnelled connection pays one pointer.
public struct ConnectionTunnels: Sendable, Hashable {
    /// Layers, outermost first, of the first tunnelled segment each endpoint sent (nil: none seen yet).
    public var paths: [[TunnelLayer]?] = [nil, nil]
    /// The interned path ids those layers came from (`TunnelRegistry`).
    var pathIDs: [UInt32] = [0, 0]
}
