/// The conn.log output of a streaming analysis (`ZeekLog`): the header lines before the first row (their
/// `#open` is that row's `ts`), one row per connection, and `#close` at the capture's last packet.
public struct ZeekLogSink: RenderingSink, ~Copyable {
    private var output: ByteOutput
    private var seed: UInt16 = 0
    private var headerWritten = false

    public init(output: consuming ByteOutput = ByteOutput()) {
        self.output = output
    }

    public mutating func begin(_ options: AnalysisOptions) {
        seed = options.communityIDSeed
    }

    public func render(_ connection: Connection, into bytes: inout [UInt8]) {
        ZeekLog.appendRow(connection, seed: seed, to: &bytes)
    }

    /// Not rendered apart: the header's `#open` comes from the first connection's start when it is added
    /// (`add`), and from a rendered row's `ts`, rounded to microseconds, otherwise (`write(rendered:)`). A row
    /// rendered on another core and written first could move `#open` by a second from what `add` writes.
    public static var rendersApart: Bool { false }

    public mutating func write(rendered: UnsafeRawBufferPointer) {
        if !headerWritten { writeHeader(open: ZeekLogSink.leadingTime(rendered)) }
        output.write(rendered)
    }

    public mutating func add(_ connection: Connection) {
        if !headerWritten { writeHeader(open: connection.start) }
        let seed = self.seed
        output.append { ZeekLog.appendRow(connection, seed: seed, to: &$0) }
    }

    public mutating func end(_ analysis: Analysis) {
        let last = analysis.input.lastTime ?? Timestamp(nanoseconds: 0)
        if !headerWritten { writeHeader(open: analysis.input.firstTime ?? last) }
        output.write(ZeekLog.close(last))
        output.flush()
    }

    private mutating func writeHeader(open: Timestamp) {
        headerWritten = true
        output.write(ZeekLog.header(open: open))
    }

    /// The whole seconds of a rendered row's first field (`ts`).
    private static func leadingTime(_ row: UnsafeRawBufferPointer) -> Timestamp {
        var seconds: Int64 = 0
        for byte in row {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { break }
            seconds = seconds &* 10 &+ Int64(byte - UInt8(ascii: "0"))
        }
        return Timestamp(nanoseconds: seconds &* 1_000_000_000)
    }
}
