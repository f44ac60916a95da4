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
    /// The spill file (-1 until first needed, -2 when it cannot be made), its size on disk, and what is
    /// written after that but not yet flushed. After a failed write nothing more is spilled (what is there is
    /// still read back).
    private var fd: Int32 = -1
    private var writeFailed = false
    private var flushedSize: Int64 = 0
    private var writeBuffer: [UInt8] = []
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

    /// Appends to the spill file (through a 1 MiB buffer); nil when no file can be made or written.
    private mutating func spill(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        if fd == -1 { fd = OrderedSpool.makeTemporaryFile() }
        guard fd >= 0, !writeFailed else { return nil }
        let position = flushedSize + Int64(writeBuffer.count)
        writeBuffer.append(contentsOf: bytes)
        if writeBuffer.count >= 1 << 20 && !flushWrites() { return nil }
        return position
    }

    private mutating func flushWrites() -> Bool {
        let ok = writeBuffer.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(flushedSize) + off_t(done))
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        guard ok else {
            // Keep everything in memory from now on; what is in the file or the buffer is read back from it.
            writeFailed = true
            return false
        }
        flushedSize += Int64(writeBuffer.count)
        writeBuffer.removeAll(keepingCapacity: true)
        return true
    }

    private mutating func readBack(offset: Int64, length: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        if offset >= flushedSize {
            let start = Int(offset - flushedSize)
            writeBuffer.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
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
        writeBuffer.removeAll(keepingCapacity: true)
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
