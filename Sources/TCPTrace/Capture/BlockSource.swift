import Foundation

/// The bytes of a capture file read by this project's own readers (`PcapngReader`, `SnoopReader`): from a file
/// descriptor into one buffer that grows to the largest block, or from a capture held in memory. Bytes handed
/// out stay valid until the next `take`.
final class BlockSource {
    /// The file, or -1 when the whole capture is in memory (`buffer` is then the caller's).
    private let descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// Unread bytes are `buffer[start..<end]`; the next read(2) goes to `nextOffset` of the file.
    private var start = 0
    private var end = 0
    private var nextOffset: Int64 = 0
    private var atEnd = false
    private let fileSize: Int64
    private var stoppedAt: Int64?

    init(descriptor: Int32, fileSize: Int64) {
        self.descriptor = descriptor
        self.fileSize = fileSize
        self.capacity = 1 << 20
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    init(bytes: UnsafeRawBufferPointer) {
        self.descriptor = -1
        self.fileSize = Int64(bytes.count)
        self.capacity = bytes.count
        self.buffer = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        self.end = bytes.count
        self.nextOffset = Int64(bytes.count)
        self.atEnd = true
    }

    deinit { if descriptor >= 0 { buffer.deallocate() } }

    /// Bytes of the file consumed so far; the whole file once reading stopped at damage.
    var bytesRead: Int64 { stoppedAt ?? (nextOffset - Int64(end - start)) }

    /// Unread bytes available now (after `peek` or `take` failed: all that is left of the file).
    var remaining: Int { end - start }

    /// Reading stopped at damage: the file counts as read.
    func stop() { stoppedAt = max(fileSize, nextOffset) }

    /// The next `count` bytes without consuming them; nil when the file has fewer left.
    func peek(_ count: Int) -> UnsafeRawBufferPointer? {
        guard fill(count) else { return nil }
        return UnsafeRawBufferPointer(start: buffer + start, count: count)
    }

    /// Consumes the next `count` bytes; nil when the file has fewer left.
    func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard fill(count) else { return nil }
        defer { start += count }
        return UnsafeRawBufferPointer(start: buffer + start, count: count)
    }

    /// Where bytes handed out by `take` begin in the buffer, for `bytes(_:)`.
    func offset(of taken: UnsafeRawBufferPointer) -> Int { taken.baseAddress! - UnsafeRawPointer(buffer) }

    /// Buffer bytes by position (valid until the next `take`).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer + range.lowerBound, count: range.count)
    }

    private func fill(_ count: Int) -> Bool {
        if end - start >= count { return true }
        if atEnd || descriptor < 0 { return false }
        if start > 0 {
            let unread = end - start
            if unread > 0 { buffer.copyMemory(from: buffer + start, byteCount: unread) }
            start = 0
            end = unread
        }
        if count > capacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
            bigger.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = bigger
            capacity = count
        }
        while end < count {
            let n = pread(descriptor, buffer + end, capacity - end, off_t(nextOffset))
            if n > 0 {
                end += n
                nextOffset += Int64(n)
            } else if n == 0 || errno != EINTR {
                atEnd = true
                return false
            }
        }
        return true
    }
}
