/// The CSV output of a streaming analysis: the header row, then one row per connection (`CSVReport`).
public struct CSVSink: RenderingSink, ~Copyable {
    private var output: ByteOutput
    private var seed: UInt16 = 0

    public init(output: consuming ByteOutput = ByteOutput()) {
        self.output = output
    }

    public mutating func begin(_ options: AnalysisOptions) {
        seed = options.communityIDSeed
        output.write(CSVReport.header())
    }

    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        CSVReport.appendRow(connection, seed: seed, to: &bytes)
    }

    public mutating func write(rendered: UnsafeRawBufferPointer) {
        output.write(rendered)
    }

    public mutating func add(_ connection: Connection) {
        let seed = self.seed
        output.append { CSVReport.appendRow(connection, seed: seed, to: &$0) }
    }

    public mutating func end(_ analysis: Analysis) {
        output.flush()
    }
}
