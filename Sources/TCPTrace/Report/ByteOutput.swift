import Foundation

/// Output to a file descriptor (standard output by default), buffered: one write(2) per 64 KiB instead of
/// one per connection. Nothing is written until the buffer fills or `flush` is called: output left in the
/// buffer when it goes away (a run that failed part-way) is dropped. A write that fails (a closed pipe)
/// drops the rest of that buffer.
public struct ByteOutput: ~Copyable {
    private let fileDescriptor: Int32
    private var bytes: [UInt8] = []
    private static let flushSize = 1 << 16

    public init(fileDescriptor: Int32 = 1) {
        self.fileDescriptor = fileDescriptor
    }

    public mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    public mutating func write(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    /// Lets `body` append to the buffer in place (a connection rendered without an intermediate copy).
    public mutating func append(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
        if bytes.count >= ByteOutput.flushSize { flush() }
    }

    public mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
