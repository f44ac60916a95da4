/// Where a streaming analysis sends its output: each connection once nothing more can change it, and what
/// comes before and after the connections. The pipeline calls, in this order: `begin` once; `add` for every
/// connection, in the order connections finish (or, for a sink that `rendersApart`, `add(rendered:id:)` for
/// each, in that order, when they are rendered in batches), and `skip` for every one dropped to keep memory
/// bounded;
/// `endConnections` once every connection has come; `end` with the finished analysis.
///
/// The concrete sinks write a format (`TextSink`, `JSONDocumentSink`, `JSONLinesSink`, `CSVSink`); `FirstFrameOrder`
/// wraps one to put connections back into first-frame order.
public protocol ConnectionSink: ~Copyable {
    /// Before any connection (a header). `options` are the run's.
    mutating func begin(_ options: AnalysisOptions)
    /// A connection nothing more can change; connections come in the order they finish.
    mutating func add(_ connection: Connection)
    /// Whether the sink's output for a connection is what `render(_:into:)` makes of it, written at its place
    /// by `add(rendered:id:)`: then connections can be rendered in batches on both cores (`StreamingRun`,
    /// `RenderedBatch`) and handed over rendered instead of through `add`. False unless the sink renders
    /// (`RenderingSink`, `FirstFrameOrder`).
    static var rendersApart: Bool { get }
    /// Whether rendering a connection costs enough for finalized connections to wait and be rendered in
    /// batches on both cores during the trace (a sink that `rendersApart`; the connections still held at the
    /// end always are). True for the JSON formats (~40,000 instructions a connection); a text, CSV or conn.log
    /// row costs too little for the hand-over to pay (docs/performance.md, session 18).
    static var rendersInBatches: Bool { get }
    /// Appends the connection's output to `bytes` (a sink that `rendersApart`). May run on two threads at once,
    /// on the second core while the tracking thread goes on (`RenderingAhead`), and on the tracking thread while
    /// `add(rendered:id:)` runs on the second core: it must read nothing a mutating method changes.
    func render(_ connection: Connection, into bytes: inout [UInt8])
    /// Connection `id`'s output from `render(_:into:)`, where `add` would have put that connection's. During the
    /// trace, into a sink that `rendersInBatches`, it mostly runs on the second core (`RenderingAhead`), never
    /// while another of the sink's methods but `render` runs.
    mutating func add(rendered: UnsafeRawBufferPointer, id: Int)
    /// Connection `id` was dropped to keep memory bounded: it will never be added.
    mutating func skip(_ id: Int)
    /// Every connection has been added or skipped: anything held back is written now, and what the reader
    /// should know about it (a note, a warning) goes into `input`.
    mutating func endConnections(_ input: inout CaptureSummary)
    /// The run is over: writes what follows the connections (the host view, the summary, the totals) and
    /// flushes.
    mutating func end(_ analysis: Analysis)
}

extension ConnectionSink where Self: ~Copyable {
    public mutating func begin(_ options: AnalysisOptions) {}
    public static var rendersApart: Bool { false }
    public static var rendersInBatches: Bool { false }
    public func render(_ connection: Connection, into bytes: inout [UInt8]) {}
    public mutating func add(rendered: UnsafeRawBufferPointer, id: Int) {}
    public mutating func skip(_ id: Int) {}
    public mutating func endConnections(_ input: inout CaptureSummary) {}
}
