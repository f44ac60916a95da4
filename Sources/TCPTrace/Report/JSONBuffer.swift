/// A fixed stack buffer in front of a byte array: the writer's many small writes are plain stores, and the
/// array is appended to once per KiB (and at the end) instead of once per write. (1 KiB is the most that
/// `withUnsafeTemporaryAllocation` puts on the stack here; the 16 KiB it was before came from the heap, one
/// allocation per rendered connection.)
struct JSONBuffer: JSONSink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private let destination: UnsafeMutablePointer<[UInt8]>

    /// Runs `body` with a buffer that ends up appended to `out`.
    static func appending(to out: inout [UInt8], _ body: (inout JSONBuffer) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 << 10) { storage in
            withUnsafeMutablePointer(to: &out) { destination in
                var buffer = JSONBuffer(base: storage.baseAddress!, capacity: storage.count, destination: destination)
                body(&buffer)
                buffer.flush()
            }
        }
    }

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int, destination: UnsafeMutablePointer<[UInt8]>) {
        self.base = base
        self.capacity = capacity
        self.destination = destination
    }

    @inline(__always) mutating func write(_ byte: UInt8) {
        if count == capacity { flush() }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func write(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > capacity - count {
            flush()
            if bytes.count > capacity { destination.pointee.append(contentsOf: bytes); return }
        }
        guard let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = bytes.count
        if n <= 32 {
            // Keys, punctuation and numbers: a few word moves beat a call to memmove.
            JSONBuffer.copySmall(base + count, source, n)
        } else {
            (base + count).update(from: source, count: n)
        }
        count += n
    }

    /// Copies `n` (at most 32) bytes with at most eight word moves and no byte loop: a run of 8 to 32 bytes
    /// as words, the last word ending at the last byte (overlapping the one before it); shorter runs the
    /// same way with 4-, 2- and 1-byte moves. Nothing is read or written outside the `n` bytes.
    @inline(__always)
    static func copySmall(_ destination: UnsafeMutablePointer<UInt8>, _ source: UnsafePointer<UInt8>, _ n: Int) {
        let to = UnsafeMutableRawPointer(destination), from = UnsafeRawPointer(source)
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                let word = from.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                to.storeBytes(of: word, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            to.storeBytes(
                of: from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8,
                as: UInt64.self)
        } else if n >= 4 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
        } else if n >= 2 {
            let head = from.loadUnaligned(as: UInt16.self)
            let tail = from.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self)
            to.storeBytes(of: head, as: UInt16.self)
            to.storeBytes(of: tail, toByteOffset: n - 2, as: UInt16.self)
        } else if n == 1 {
            destination[0] = source[0]
        }
    }

    /// Room for `n` more bytes (at most the capacity) as one pointer: the caller stores them and then
    /// calls `advance(by:)`. Lets a member's separator, quotes and key go in with one check.
    @inline(__always) mutating func room(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        assert(n <= capacity, "room for \(n) bytes asked of a \(capacity)-byte buffer")
        if n > capacity - count { flush() }
        return base + count
    }

    @inline(__always) mutating func advance(by n: Int) { count += n }

    /// The digits made where they go (this runs some sixty times per connection in JSON).
    @inline(__always) mutating func writeDecimal(_ value: Int64) {
        advance(by: ASCIIDigits.write(value, at: room(20)))
    }

    /// Bytes written through this buffer and its destination so far (a text row's columns).
    var written: Int { destination.pointee.count + count }

    mutating func flush() {
        destination.pointee.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        count = 0
    }
}
