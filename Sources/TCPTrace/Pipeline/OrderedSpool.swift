import Dispatch
import Foundation

/// Puts the rendered output of finalized connections back into first-frame (id) order with bounded memory.
///
/// Connections finish out of order: one that stays open holds back every later one. Their rendered bytes wait
/// here, in memory up to `memoryBudget` bytes, beyond it in an unlinked temporary file (`$TMPDIR`, else
/// /tmp), and are handed to `emit` as soon as every older connection has been emitted or skipped. Memory is
/// then at most about four times the budget (the arena holds emitted bytes until it is compacted, and
/// compaction copies through a second buffer) plus 8 bytes per waiting connection, whatever the length of the
/// trace; more only when no spill file can be written.
struct OrderedSpool: ~Copyable {
    /// What is known of each connection from `next` on, 8 bytes each: `waiting`, `skipped`, `inMemory` (the
    /// bytes are in `held`), or, with the `spilled` bit set, where it lies in the spill file, or with the
    /// `inArena` bit, where it lies in `arena` (offset << 24 | length).
    private static let waiting: UInt64 = 0
    private static let skipped: UInt64 = 1
    private static let inMemory: UInt64 = 2
    private static let spilled: UInt64 = 1 << 63
    private static let inArena: UInt64 = 1 << 62
    /// Chunks longer than this stay in memory (they cannot be described in 24 bits).
    private static let longestSpilled = (1 << 24) - 1

    /// `pending[i]` is connection `next + i`.
    private var pending = ChunkedQueue<UInt64>()
    /// Outputs held in memory, one after the other (no heap array per waiting connection: issue 21's steady
    /// state allocates nothing per connection), how many of them are still waiting and their bytes; compacted
    /// when it has grown past twice the budget and at least half of it is emitted bytes (so each byte is
    /// copied a bounded number of times even when nothing can be spilled). Longer outputs than an entry can
    /// describe wait in `held`.
    private var arena: [UInt8] = []
    private var scratch: [UInt8] = []
    private var inArenaCount = 0
    private var inArenaBytes = 0
    /// Times the arena was compacted (tests).
    private(set) var compactions = 0
    private var held: [Int: [UInt8]] = [:]
    private var next = 1
    private let memoryBudget: Int
    private var memoryBytes = 0
    /// The spill file (-1 until first needed, -2 when it cannot be made), its size on disk, the buffer being
    /// written to it after that (by `writer`, on its own thread), and what follows, not yet written. After a
    /// failed write nothing more is spilled (what is there is still read back: from the file, or from the two
    /// buffers, which then keep their bytes).
    private var fd: Int32 = -1
    private var writeFailed = false
    private var flushedSize: Int64 = 0
    private var writing = SpillBuffer()
    private var filling = SpillBuffer()
    private var writer: SpillWriter?
    private var spilledCount = 0
    /// Read-ahead: file bytes `[readOffset, readOffset + readBuffer.count)`. Entries are read back in id order
    /// and were written in nearly that order (as connections finished), so one pread of `readAhead` bytes
    /// serves many of them (one pread per connection cost ~1 µs each on the benchmark's 100,000).
    private var readBuffer: [UInt8] = []
    private var readOffset: Int64 = 0
    private static let readAhead = 1 << 20
    /// Connections written to the spill file (for the summary's notes), and those whose output could not be
    /// read back from it (for a warning).
    private(set) var spilledTotal = 0
    private(set) var lostTotal = 0

    init(memoryBudget: Int) {
        self.memoryBudget = memoryBudget
    }

    /// A spool that spills into `file` (tests: a descriptor that cannot be written, to see what a failed write
    /// leaves). The spool closes it.
    init(memoryBudget: Int, spillingInto file: Int32) {
        self.memoryBudget = memoryBudget
        fd = file
    }

    deinit {
        _ = writer?.wait()  // (the writer's thread must be done with the buffer and the file first)
        if fd >= 0 { Foundation.close(fd) }
    }

    /// The rendered output of connection `id` (ids start at 1 and are all eventually added or skipped).
    mutating func add(_ id: Int, _ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        if id == next {
            emit(bytes)
            advance(emit)
            return
        }
        let offset = id - next
        guard offset > 0 else { return }
        while pending.count <= offset { pending.append(OrderedSpool.waiting) }
        if memoryBytes + bytes.count > memoryBudget, bytes.count <= OrderedSpool.longestSpilled,
            let position = spill(bytes)
        {
            pending[offset] = OrderedSpool.spilled | UInt64(position) << 24 | UInt64(bytes.count)
            spilledCount += 1
            spilledTotal += 1
        } else if bytes.count <= OrderedSpool.longestSpilled {
            if arena.count + bytes.count > 2 * max(memoryBudget, 1 << 16) && arena.count >= 2 * inArenaBytes {
                compactArena()
            }
            pending[offset] = OrderedSpool.inArena | UInt64(arena.count) << 24 | UInt64(bytes.count)
            arena.append(contentsOf: bytes)
            inArenaCount += 1
            inArenaBytes += bytes.count
            memoryBytes += bytes.count
        } else {
            pending[offset] = OrderedSpool.inMemory
            // A copy of exactly this size: keeping the caller's buffer would pin its whole capacity.
            held[id] = Array(bytes)
            memoryBytes += bytes.count
        }
    }

    /// Whether connection `id` is the one every later output waits for.
    func isNext(_ id: Int) -> Bool { id == next }

    /// Connection `next` was written by the caller: moves on, and emits what waited for it.
    mutating func advance(_ emit: (UnsafeRawBufferPointer) -> Void) {
        next += 1
        if !pending.isEmpty { pending.removeFirst() }
        drain(emit)
    }

    /// Moves what still waits in `arena` to its start (through `scratch`), rewriting their entries.
    private mutating func compactArena() {
        scratch.removeAll(keepingCapacity: true)
        for i in pending.indices where pending[i] & OrderedSpool.spilled == 0 && pending[i] & OrderedSpool.inArena != 0
        {
            let (start, length) = OrderedSpool.position(pending[i])
            pending[i] = OrderedSpool.inArena | UInt64(scratch.count) << 24 | UInt64(length)
            arena.withUnsafeBytes { scratch.append(contentsOf: $0[start..<start + length]) }
        }
        swap(&arena, &scratch)
        compactions += 1
    }

    /// The offset and length of a spilled or arena entry.
    private static func position(_ entry: UInt64) -> (offset: Int, length: Int) {
        (Int((entry & ~(spilled | inArena)) >> 24), Int(entry & UInt64(longestSpilled)))
    }

    /// Connection `id` will never be added (it was dropped to bound memory).
    mutating func skip(_ id: Int, emit: (UnsafeRawBufferPointer) -> Void) {
        let offset = id - next
        guard offset >= 0 else { return }
        while pending.count <= offset { pending.append(OrderedSpool.waiting) }
        pending[offset] = OrderedSpool.skipped
        drain(emit)
    }

    /// At the end of the trace: everything still held, in order.
    mutating func flush(_ emit: (UnsafeRawBufferPointer) -> Void) {
        while !pending.isEmpty {
            if pending[0] == OrderedSpool.waiting { pending[0] = OrderedSpool.skipped }
            drain(emit)
        }
    }

    private mutating func drain(_ emit: (UnsafeRawBufferPointer) -> Void) {
        while let first = pending.first, first != OrderedSpool.waiting {
            switch first {
            case OrderedSpool.skipped:
                break
            case OrderedSpool.inMemory:
                if let bytes = held.removeValue(forKey: next) {
                    bytes.withUnsafeBytes(emit)
                    memoryBytes -= bytes.count
                }
            case let entry where entry & OrderedSpool.spilled == 0:  // in the arena
                let (start, length) = OrderedSpool.position(entry)
                arena.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
                memoryBytes -= length
                inArenaCount -= 1
                inArenaBytes -= length
                if inArenaCount == 0 { arena.removeAll(keepingCapacity: true) }
            default:
                readBack(
                    offset: Int64((first & ~OrderedSpool.spilled) >> 24),
                    length: Int(first & UInt64(OrderedSpool.longestSpilled)), emit)
                spilledCount -= 1
                if spilledCount == 0 { resetSpill() }
            }
            pending.removeFirst()
            next += 1
        }
    }

    /// Appends to the spill file (through 1 MiB buffers); nil when no file can be made or written.
    private mutating func spill(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        if fd == -1 { fd = OrderedSpool.makeTemporaryFile() }
        guard fd >= 0, !writeFailed else { return nil }
        let position = flushedSize + Int64(writing.count) + Int64(filling.count)
        filling.append(bytes)
        if filling.count >= 1 << 20 { flushWrites() }
        return position
    }

    /// The full buffer to the file, on the writer's thread, once the one before it is written. Written on this
    /// thread, the copying into the page cache was 4 % of the tracking thread's samples on mix-100k as jsonl;
    /// off it, alternating runs as jsonl (docs/performance.md, session 19): mix-100k fastest 0.799-0.813 s →
    /// 0.780-0.782 s (medians 0.834-0.879 → 0.826-0.827 s, two sets of 9), short-50k median 0.344 → 0.331 s
    /// (11 runs).
    private mutating func flushWrites() {
        settleWrite()
        guard !writeFailed else { return }
        swap(&writing, &filling)
        let writer = self.writer ?? SpillWriter()
        self.writer = writer
        writer.write(fd, writing.base, writing.count, at: flushedSize)
    }

    /// Waits for the write in flight, if any: its bytes are then in the file, or, when it failed, kept in
    /// `writing` (and nothing more is spilled).
    private mutating func settleWrite() {
        guard let writer, writer.isBusy else { return }
        if writer.wait() {
            flushedSize += Int64(writing.count)
            writing.removeAll()
        } else {
            writeFailed = true
        }
    }

    private mutating func readBack(offset: Int64, length: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        // (While `writing` is being written, its bytes are read from memory: the writer's thread only reads it.)
        let writingEnd = flushedSize + Int64(writing.count)
        if offset >= writingEnd {
            emit(filling.bytes(from: Int(offset - writingEnd), count: length))
            return
        }
        if offset >= flushedSize {
            emit(writing.bytes(from: Int(offset - flushedSize), count: length))
            return
        }
        let end = offset + Int64(length)
        func readAheadHolds() -> Bool { offset >= readOffset && end <= readOffset + Int64(readBuffer.count) }
        if !readAheadHolds() {
            // Read from `offset` on: this entry and what follows it in the file, up to what has been flushed.
            let wanted = Int(min(max(Int64(length), Int64(OrderedSpool.readAhead)), flushedSize - offset))
            if readBuffer.count != wanted { readBuffer = [UInt8](repeating: 0, count: wanted) }
            let fd = self.fd
            let got = readBuffer.withUnsafeMutableBytes { raw -> Int in
                var done = 0
                while done < wanted {
                    let n = pread(fd, raw.baseAddress! + done, wanted - done, off_t(offset) + off_t(done))
                    if n <= 0 { break }
                    done += n
                }
                return done
            }
            if got < wanted { readBuffer.removeLast(wanted - got) }
            readOffset = offset
        }
        // A spill file that cannot be read back is a broken disk: the connection's output is lost (counted for
        // a warning), not the run.
        guard readAheadHolds() else {
            lostTotal += 1
            return
        }
        let start = Int(offset - readOffset)
        readBuffer.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
    }

    /// Nothing spilled is waiting: the file starts over.
    private mutating func resetSpill() {
        settleWrite()
        writing.removeAll()
        filling.removeAll()
        readBuffer.removeAll()  // (the file is rewritten from offset 0: what was read ahead is stale)
        readOffset = 0
        if fd >= 0 && flushedSize > 0 { _ = ftruncate(fd, 0) }
        flushedSize = 0
    }

    private static func makeTemporaryFile() -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/tcptrace-swift-spool.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return -2 }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}

/// Bytes waiting to be written to the spill file, in memory of their own (not an array), so that their address
/// holds while the writer's thread writes them (`OrderedSpool.flushWrites`).
private final class SpillBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private var capacity = 0
    private(set) var count = 0

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > capacity {
            let grown = max(2 * capacity, count + bytes.count, 1 << 16)
            let new = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
            if let base {
                new.copyMemory(from: base, byteCount: count)
                base.deallocate()
            }
            base = new
            capacity = grown
        }
        (base! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func removeAll() { count = 0 }

    func bytes(from start: Int, count length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { $0 + start }, count: length)
    }

    deinit { base?.deallocate() }
}

/// Writes a spill buffer to the spool's file on a thread of its own (`OrderedSpool.flushWrites`): one write at
/// a time, `write` to start it, `wait` for its outcome.
private final class SpillWriter {
    /// What the thread shares with its owner (the thread keeps only this, so that the owner can go away and
    /// stop it).
    private final class Shared: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        var fd: Int32 = -1
        var base: UnsafeRawPointer?
        var count = 0
        var offset: Int64 = 0
        var succeeded = true
        var stopping = false
    }

    private let shared = Shared()
    /// A write was started and not yet waited for.
    private(set) var isBusy = false

    init() {
        let shared = self.shared
        let thread = Thread {
            while true {
                shared.start.wait()
                if shared.stopping { return }
                var done = 0
                while done < shared.count, let base = shared.base {
                    let n = pwrite(shared.fd, base + done, shared.count - done, off_t(shared.offset) + off_t(done))
                    if n <= 0 { break }
                    done += n
                }
                shared.succeeded = done == shared.count
                shared.done.signal()
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Starts writing `count` bytes at `base` to `fd` at `offset`; the bytes must stay as they are until `wait`.
    func write(_ fd: Int32, _ base: UnsafeMutableRawPointer?, _ count: Int, at offset: Int64) {
        precondition(!isBusy, "SpillWriter: a write is already in flight")
        shared.fd = fd
        shared.base = base.map { UnsafeRawPointer($0) }
        shared.count = count
        shared.offset = offset
        isBusy = true
        shared.start.signal()
    }

    /// Waits for the write in flight; whether every byte was written (true when none was in flight).
    func wait() -> Bool {
        guard isBusy else { return true }
        shared.done.wait()
        isBusy = false
        return shared.succeeded
    }

    deinit {
        shared.stopping = true
        shared.start.signal()
    }
}
