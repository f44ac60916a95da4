/// How the text outputs look (`analyze`'s table, `--long`, timelines, ladders): `--wide`, `-t`, `--local-time`.
/// Which findings are shown is the selection's business (`ConnectionSelection.minSeverity`): a connection
/// reaches a renderer with the findings it should show.
public struct TextOptions: Sendable {
    /// Today's wide table (every column, every finding instance as `code@frame`) instead of the 120-column one.
    public var wide = false
    /// How times are written (`-t`).
    public var time = TimeFormat.relative
    /// Absolute times in the machine's time zone instead of UTC (`--local-time`).
    public var localTime = false
    /// Timelines: raw sequence numbers instead of relative ones (`--absolute-seq`).
    public var absoluteSequence = false

    public init(wide: Bool = false, time: TimeFormat = .relative, localTime: Bool = false) {
        self.wide = wide
        self.time = time
        self.localTime = localTime
    }
}
