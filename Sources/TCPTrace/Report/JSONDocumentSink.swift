/// The JSON output of a streaming analysis: one `tcptrace-swift/1` document, written as it goes
/// (`JSONReport.start`, an element per connection with a comma between two, `JSONReport.end`).
public struct JSONDocumentSink: RenderingSink, ~Copyable {
    private var output: ByteOutput
    private var options = AnalysisOptions()
    private var first = true

    public init(output: consuming ByteOutput = ByteOutput()) {
        self.output = output
    }

    public mutating func begin(_ options: AnalysisOptions) {
        self.options = options
        output.write(JSONReport.start())
    }

    /// A connection's JSON costs enough to render finalized connections in batches on both cores
    /// (`ConnectionSink.rendersInBatches`).
    public static var rendersInBatches: Bool { true }

    /// The element without its separator (the separator depends on the place: `write(rendered:)`).
    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        JSONReport.appendElement(connection, options: options, first: true, into: &bytes)
    }

    public mutating func write(rendered: UnsafeRawBufferPointer) {
        if !first { output.write(",") }
        first = false
        output.write(rendered)
    }

    public mutating func add(_ connection: Connection) {
        let options = self.options, first = self.first
        self.first = false
        output.append { JSONReport.appendElement(connection, options: options, first: first, into: &$0) }
    }

    public mutating func end(_ analysis: Analysis) {
        output.write(JSONReport.end(analysis))
        output.flush()
    }
}
