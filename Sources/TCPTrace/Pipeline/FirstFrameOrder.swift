/// Puts connections back into first-frame (id) order before they reach `Inner`: each one is rendered as it
/// finishes and waits in an `OrderedSpool` until every older connection has been written or skipped. A
/// connection that stays open holds back every later one: their bytes wait in memory up to `memoryBudget`,
/// beyond it in a temporary file, so memory stays bounded (the price is that temporary file).
///
/// Without this wrapper (`StreamOrder.finish`) a sink gets connections as they finish.
public struct FirstFrameOrder<Inner: RenderingSink & ~Copyable>: ConnectionSink, ~Copyable {
    private var inner: Inner
    private var spool: OrderedSpool
    /// The connection being added, rendered (reused: it keeps its capacity).
    private var rendered: [UInt8] = []

    /// `memoryBudget`: bytes of rendered output held in memory for connections waiting for an older one.
    public init(_ inner: consuming Inner, memoryBudget: Int = 4 << 20) {
        self.inner = inner
        self.spool = OrderedSpool(memoryBudget: memoryBudget)
    }

    public mutating func begin(_ options: AnalysisOptions) {
        inner.begin(options)
    }

    public mutating func add(_ connection: Connection) {
        if spool.isNext(connection.id) {
            // Its turn: rendered straight into the output (`RenderingSink.add` writes what `render` and
            // `write(rendered:)` would), then whatever waited for it.
            inner.add(connection)
            spool.advance { inner.write(rendered: $0) }
            return
        }
        rendered.removeAll(keepingCapacity: true)
        inner.render(connection, into: &rendered)
        rendered.withUnsafeBytes { bytes in spool.add(connection.id, bytes) { inner.write(rendered: $0) } }
    }

    /// Its output is the inner sink's rendering, written in order (as far as the inner sink's is its
    /// rendering: `ZeekLogSink`'s header is not).
    public static var rendersApart: Bool { Inner.rendersApart }
    public static var rendersInBatches: Bool { Inner.rendersInBatches }

    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        inner.render(connection, into: &bytes)
    }

    public mutating func add(rendered: UnsafeRawBufferPointer, id: Int) {
        spool.add(id, rendered) { inner.write(rendered: $0) }
    }

    public mutating func skip(_ id: Int) {
        spool.skip(id) { inner.write(rendered: $0) }
    }

    /// Writes every connection still waiting, in order, and says in `input` whether any waited in the
    /// temporary file or was lost from it.
    public mutating func endConnections(_ input: inout CaptureSummary) {
        spool.flush { inner.write(rendered: $0) }
        if spool.lostTotal > 0 {
            input.warnings.append(
                "\(spool.lostTotal) connection(s) missing from the output: the temporary "
                    + "file they waited in could not be read back")
        }
        if spool.spilledTotal > 0 {
            input.notes.append(
                "\(spool.spilledTotal) connection(s) waited for an older one in a temporary "
                    + "file (first-frame order; --order finish writes them as they end)")
        }
        inner.endConnections(&input)
    }

    public mutating func end(_ analysis: Analysis) {
        inner.end(analysis)
    }
}
