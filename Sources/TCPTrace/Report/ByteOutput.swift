import Foundation

/// Output to a file descriptor (standard output by default), buffered: one write(2) per 64 KiB instead of
/// one per connection. Nothing is written until the buffer fills or `flush` is called: output left in the
/// buffer when it goes away (a run that failed part-way) is dropped. A write that fails (a closed pipe)
/// drops the rest of that buffer.
///
/// Reading a stream, the buffer is a `Shared` one that the run also flushes each time it has caught up with
/// the input (`AnalysisOptions.caughtUp`), so that each connection is on the output as soon as it is final.
public struct ByteOutput: ~Copyable {
    private let fileDescriptor: Int32
    private var bytes: [UInt8] = []
    private static let flushSize = 1 << 16
    /// Runs each write(2) (`write`), told whether the bytes end a line: erases a progress line on the same
    /// terminal first, keeps it off while the write runs (which may be on the second core while the line is
    /// redrawn on the tracking thread: `RenderingAhead`), and while a line is left unfinished.
    public typealias AroundWrite = @Sendable (_ endsLine: Bool, _ write: () -> Void) -> Void
    private let aroundWrite: AroundWrite?
    /// A stream's buffer, which holds the bytes instead of `bytes`.
    private let shared: Shared?

    public init(fileDescriptor: Int32 = 1, aroundWrite: AroundWrite? = nil) {
        self.fileDescriptor = fileDescriptor
        self.aroundWrite = aroundWrite
        self.shared = nil
    }

    /// Output into `shared`, which someone else flushes too.
    public init(_ shared: Shared) {
        self.fileDescriptor = shared.fileDescriptor
        self.aroundWrite = nil
        self.shared = shared
    }

    public mutating func write(_ text: String) {
        if let shared { return shared.append { $0.append(contentsOf: text.utf8) } }
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    public mutating func write(_ raw: UnsafeRawBufferPointer) {
        if let shared { return shared.append { $0.append(contentsOf: raw) } }
        bytes.append(contentsOf: raw)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    /// Lets `body` append to the buffer in place (a connection rendered without an intermediate copy).
    public mutating func append(_ body: (inout [UInt8]) -> Void) {
        if let shared { return shared.append(body) }
        body(&bytes)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    public mutating func flush() {
        if let shared { return shared.flush() }
        ByteOutput.write(&bytes, to: fileDescriptor, aroundWrite: aroundWrite)
    }

    /// Writes `bytes` out and empties them (keeping their capacity).
    private static func write(_ bytes: inout [UInt8], to fileDescriptor: Int32, aroundWrite: AroundWrite?) {
        guard !bytes.isEmpty else { return }
        func writeAll(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
        if let aroundWrite {
            aroundWrite(bytes.last == UInt8(ascii: "\n")) { writeAll(bytes) }
        } else {
            writeAll(bytes)
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// The buffer of a streaming run over a stream (a pipe, standard input): the sink's `ByteOutput` appends
    /// to it, and the run flushes it each time it has caught up with the input (`AnalysisOptions.caughtUp`),
    /// at most once per batch of segments that arrived; it also flushes itself at 64 KiB. Used by the tracking
    /// thread only (the sink's and the run's), hence `@unchecked Sendable`.
    public final class Shared: @unchecked Sendable {
        fileprivate let fileDescriptor: Int32
        private var bytes: [UInt8] = []
        private let aroundWrite: AroundWrite?

        public init(fileDescriptor: Int32 = 1, aroundWrite: AroundWrite? = nil) {
            self.fileDescriptor = fileDescriptor
            self.aroundWrite = aroundWrite
        }

        fileprivate func append(_ body: (inout [UInt8]) -> Void) {
            body(&bytes)
            if bytes.count >= ByteOutput.flushSize { flush() }
        }

        /// Writes out what is buffered.
        public func flush() {
            ByteOutput.write(&bytes, to: fileDescriptor, aroundWrite: aroundWrite)
        }
    }
}
