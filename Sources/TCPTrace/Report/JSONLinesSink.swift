/// The JSONL output of a streaming analysis: one connection per line, then, with the host view, one line
/// `{"hosts":…}`.
public struct JSONLinesSink: RenderingSink, ~Copyable {
    private var output: ByteOutput
    private var options = AnalysisOptions()

    public init(output: consuming ByteOutput = ByteOutput()) {
        self.output = output
    }

    public mutating func begin(_ options: AnalysisOptions) {
        self.options = options
    }

    /// A connection's JSON costs enough to render finalized connections in batches on both cores
    /// (`ConnectionSink.rendersInBatches`).
    public static var rendersInBatches: Bool { true }

    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        JSONLinesSink.render(connection, options: options, into: &bytes)
    }

    public mutating func write(rendered: UnsafeRawBufferPointer) {
        output.write(rendered)
    }

    public mutating func add(_ connection: Connection) {
        let options = self.options
        output.append { JSONLinesSink.render(connection, options: options, into: &$0) }
    }

    public mutating func end(_ analysis: Analysis) {
        if let view = analysis.hosts {
            output.write(JSONReport.hostsLine(view))
        }
        output.flush()
    }

    private static func render(_ connection: Connection, options: AnalysisOptions, into bytes: inout [UInt8]) {
        JSONReport.writeConnection(connection, options: options, pretty: false, indent: 0, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }
}
