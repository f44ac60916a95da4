/// A sink whose output for a connection is the same bytes wherever the connection lands in the output, so
/// that they can be rendered as the connection finishes and written later, in another order
/// (`FirstFrameOrder`). What depends on the place (a separator, a header before the first) is added by
/// `write(rendered:)`.
///
/// Such a sink `rendersApart` unless it says otherwise: the streaming run may then render connections on two
/// threads at once (`render` must change nothing and read nothing another call changes) and hand their bytes
/// to `write(rendered:)` instead of calling `add` (`ConnectionSink.add(rendered:id:)`, `RenderedBatch`).
public protocol RenderingSink: ConnectionSink, ~Copyable {
    /// Appends the connection's output to `bytes`. May run on two threads at once, on the second core while the
    /// tracking thread goes on (`RenderingAhead`), and on the tracking thread while `write(rendered:)` runs on the
    /// second core: it must read nothing a mutating method changes.
    func render(_ connection: Connection, into bytes: inout [UInt8])
    /// Writes one connection's rendered bytes at the next place in the output.
    mutating func write(rendered: UnsafeRawBufferPointer)
}

extension RenderingSink where Self: ~Copyable {
    /// Renders the connection and writes it at once (sinks that can render straight into their output do
    /// that instead).
    public mutating func add(_ connection: Connection) {
        var bytes: [UInt8] = []
        render(connection, into: &bytes)
        bytes.withUnsafeBytes { write(rendered: $0) }
    }

    /// Its output is `render`'s.
    public static var rendersApart: Bool { true }

    public mutating func add(rendered: UnsafeRawBufferPointer, id: Int) { write(rendered: rendered) }
}
