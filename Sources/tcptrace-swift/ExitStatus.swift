/// Exit statuses: a public contract, documented in docs/exit-codes.md.
enum ExitStatus {
    /// Analysis ran; no finding reached `--fail-on`.
    static let ok: Int32 = 0
    /// A finding at or above the `--fail-on` severity.
    static let findings: Int32 = 1
    /// Usage error, or an input that cannot be read at all (missing, not a capture, unsupported link type).
    static let badInput: Int32 = 2
    /// A capture was cut off or damaged part-way: results cover the packets read before the damage.
    static let damagedInput: Int32 = 3
    /// Live capture without the needed privilege (CAP_NET_RAW), or privileges could not be dropped.
    static let permissionDenied: Int32 = 4
    /// A connection id asked for (`--connection`, `ladder`, `report --format svg`) that the trace, or the
    /// selection, does not have.
    static let noSuchConnection: Int32 = 5
}
