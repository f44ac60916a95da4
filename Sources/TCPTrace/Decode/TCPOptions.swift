/// The TCP options this analyzer uses, decoded from the option bytes (RFC 9293 3.2, RFC 7323, RFC 2018).
public struct TCPOptions: Hashable, Sendable {
    /// Maximum segment size (`TCPOptionKind.maximumSegmentSize`).
    public var mss: UInt16?
    /// Window scale shift count (`TCPOptionKind.windowScale`), as sent; RFC 7323 2.3 caps the effective value at 14.
    public var windowScale: UInt8?
    /// SACK permitted (`TCPOptionKind.sackPermitted`).
    public var sackPermitted = false
    /// Timestamps (`TCPOptionKind.timestamps`): TSval and TSecr.
    public var timestampValue: UInt32?
    public var timestampEcho: UInt32?
    /// SACK blocks (`TCPOptionKind.sack`).
    public var sack = SACKBlocks()
    /// True when an option's length byte was invalid (< 2 or past the header): parsing stopped there.
    public var malformed = false

    public init() {}
}
