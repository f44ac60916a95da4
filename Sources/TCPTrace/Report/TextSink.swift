/// The text output of a streaming analysis: a table with one row per connection (the header before the
/// first row, none without connections) or, `long`, a block per connection with a blank line between two;
/// then the host view, the capture summary and the totals (`TextReport.end`).
public struct TextSink: RenderingSink, ~Copyable {
    private let long: Bool
    private let text: TextOptions
    private var output: ByteOutput
    private var first = true

    public init(long: Bool = false, text: TextOptions = TextOptions(), output: consuming ByteOutput = ByteOutput()) {
        self.long = long
        self.text = text
        self.output = output
    }

    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        TextSink.render(connection, long: long, wide: text.wide, into: &bytes)
    }

    public mutating func write(rendered: UnsafeRawBufferPointer) {
        separate()
        output.write(rendered)
    }

    public mutating func add(_ connection: Connection) {
        separate()
        let long = self.long, wide = text.wide
        output.append { TextSink.render(connection, long: long, wide: wide, into: &$0) }
    }

    public mutating func end(_ analysis: Analysis) {
        output.write(TextReport.end(analysis, text: text))
        output.flush()
    }

    /// What goes before a connection: the table's header before the first row, a blank line between two
    /// long blocks.
    private mutating func separate() {
        if long {
            if !first { output.write("\n") }
        } else if first {
            output.write(TextReport.tableHeader(wide: text.wide))
        }
        first = false
    }

    private static func render(_ connection: Connection, long: Bool, wide: Bool, into bytes: inout [UInt8]) {
        if long {
            bytes.append(contentsOf: TextReport.long(connection).utf8)
        } else {
            TextReport.appendRow(connection, wide: wide, into: &bytes)
        }
    }
}
