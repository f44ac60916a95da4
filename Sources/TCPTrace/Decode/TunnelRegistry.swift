import Foundation

/// Interns tunnel stacks, so a segment carries two numbers instead of its tunnels: the identity (part of its
/// connection's key, `FlowKey.tunnel`) and the path (this direction's layers). The reading thread interns
/// (`intern`, after decoding); the tracking thread looks paths up once per connection and direction (`path`).
///
/// Interning reads the layers from the packet into plain values and hashes them: no allocation unless the
/// stack is new. The last stack interned is checked first (consecutive packets mostly share a tunnel).
/// Memory grows with the distinct stacks seen: per pair of tunnel endpoints, VNI, GRE key and TEID, not per inner
/// flow (the outer UDP source port, a per-flow hash, is left out: `layer`), a few hundred bytes each.
public final class TunnelRegistry: @unchecked Sendable {
    // Written by the reading thread only; `paths` is read by the tracking thread under `lock`.
    private let lock = NSLock()
    private var paths: [TunnelPath] = []
    /// Reader's side: path ids by digest, the identities, and the identities without their VNIs.
    private var pathsByDigest: [Int: [UInt32]] = [:]
    private var identities = IdentityTable()
    private var looseIdentities = IdentityTable()
    /// Per identity (by id): the id of the same stack without its VNIs, 0 when it has none (read by the
    /// tracking thread under `lock`).
    private var looseOf: [UInt32] = []
    private var last: (digest: Int, path: UInt32, identity: UInt32) = (0, 0, 0)

    public init() {}

    /// Distinct paths interned so far.
    public var count: Int { lock.withLock { paths.count } }

    /// The identity and path ids (both from 1) of the tunnels `marks` describes in `bytes`.
    public func intern(_ bytes: UnsafeRawBufferPointer, _ marks: TunnelMarks) -> (identity: UInt32, path: UInt32) {
        var hasher = Hasher()
        for i in 0..<Int(marks.count) { hasher.combine(TunnelRegistry.layer(bytes, marks, i)) }
        let digest = hasher.finalize()
        if last.path != 0 && digest == last.digest && matches(bytes, marks, path: last.path) {
            return (last.identity, last.path)
        }
        if let candidates = pathsByDigest[digest] {
            for id in candidates where matches(bytes, marks, path: id) {
                last = (digest, id, paths[Int(id) - 1].identity)
                return (last.identity, id)
            }
        }
        let layers = (0..<Int(marks.count)).map { TunnelRegistry.layer(bytes, marks, $0) }
        let identity = internIdentity(layers)
        lock.withLock { paths.append(TunnelPath(layers: layers, identity: identity)) }
        let id = UInt32(paths.count)
        pathsByDigest[digest, default: []].append(id)
        last = (digest, id, identity)
        return (identity, id)
    }

    /// The identity `identity` has without its VNIs (a number of its own, never equal to an identity), or 0
    /// when it has no VNI. Some overlays carry a different VNI each way (one logical network per direction,
    /// as OVN's Geneve routers do): the tracker pairs such directions through this (`Tracker`).
    public func looseIdentity(of identity: UInt32) -> UInt32 {
        lock.withLock { looseOf[Int(identity) - 1] }
    }

    /// The path with id `id` (from `intern`).
    public func path(_ id: UInt32) -> TunnelPath {
        lock.withLock { paths[Int(id) - 1] }
    }

    /// Layer `i` as interned: without its outer UDP source port, a per-flow hash (RFC 7348 §5) that would make
    /// a path per inner flow; the segment carries the outermost one instead (`outerSourcePort`).
    static func layer(_ bytes: UnsafeRawBufferPointer, _ marks: TunnelMarks, _ i: Int) -> TunnelLayer {
        var layer = TunnelLayer(bytes, mark: marks[i])
        layer.sourcePort = nil
        return layer
    }

    /// The outer UDP source port of the outermost UDP tunnel layer, 0 when there is none.
    public static func outerSourcePort(_ bytes: UnsafeRawBufferPointer, _ marks: TunnelMarks) -> UInt16 {
        for i in 0..<Int(marks.count) {
            let mark = marks[i]
            if mark.kind.isUDP { return bytes.u16(mark.header - 8) }  // (checked whole by the decoder)
        }
        return 0
    }

    private func matches(_ bytes: UnsafeRawBufferPointer, _ marks: TunnelMarks, path id: UInt32) -> Bool {
        let layers = paths[Int(id) - 1].layers  // (the reading thread is the only writer)
        guard layers.count == Int(marks.count) else { return false }
        for i in 0..<layers.count where layers[i] != TunnelRegistry.layer(bytes, marks, i) { return false }
        return true
    }

    private func internIdentity(_ layers: [TunnelLayer]) -> UInt32 {
        if let id = identities.id(of: layers) { return id }
        let id = identities.add(layers, id: UInt32(identities.count + 1))
        let loose = internLoose(layers)
        lock.withLock { looseOf.append(loose) }
        return id
    }

    /// The id of `layers` with their VNIs dropped; 0 when none has a VNI. Loose ids count down from the top of
    /// the range, so that they never equal an identity.
    private func internLoose(_ layers: [TunnelLayer]) -> UInt32 {
        guard layers.contains(where: { $0.vni != nil }) else { return 0 }
        let bare = layers.map { layer in
            var copy = layer
            copy.vni = nil
            return copy
        }
        if let id = looseIdentities.id(of: bare) { return id }
        return looseIdentities.add(bare, id: UInt32.max - UInt32(looseIdentities.count + 1))
    }

    /// Stacks by identity (`TunnelLayer.identityMatches`, layer by layer), each with its id.
    private struct IdentityTable {
        private var byDigest: [Int: [(layers: [TunnelLayer], id: UInt32)]] = [:]
        private(set) var count = 0

        private static func digest(_ layers: [TunnelLayer]) -> Int {
            var hasher = Hasher()
            for layer in layers { layer.hashIdentity(into: &hasher) }
            return hasher.finalize()
        }

        func id(of layers: [TunnelLayer]) -> UInt32? {
            for known in byDigest[Self.digest(layers)] ?? []
            where known.layers.count == layers.count && zip(known.layers, layers).allSatisfy({ $0.identityMatches($1) })
            {
                return known.id
            }
            return nil
        }

        mutating func add(_ layers: [TunnelLayer], id: UInt32) -> UInt32 {
            byDigest[Self.digest(layers), default: []].append((layers, id))
            count += 1
            return id
        }
    }
}
