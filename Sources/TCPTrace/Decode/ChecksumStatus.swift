/// What checking a segment's IPv4 header and TCP checksums found (`--verify-checksums`; off by default, as in
/// Wireshark, because a locally sent packet is captured before the NIC fills in an offloaded checksum).
public enum ChecksumStatus: UInt8, Sendable, Hashable {
    /// Not checked (the default).
    case unverified
    /// Both checksums are right.
    case good
    /// The IPv4 header checksum is wrong.
    case badIP
    /// The TCP checksum (over the pseudo-header, header and payload) is wrong.
    case badTCP
    /// The segment's payload was cut by the snap length (or it is a fragment): it cannot be checked.
    case unverifiable

    /// A wrong checksum: the segment is counted, not used for state.
    public var isBad: Bool { self == .badIP || self == .badTCP }
}
