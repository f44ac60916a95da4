import Foundation

/// Hands batches of decoded segments from the thread that reads and decodes the capture to the thread that
/// tracks connections. The batches go round: the reader fills an empty one and sends it, the tracker takes it,
/// empties it and gives it back, so in steady state nothing is allocated and the lock is taken once per
/// batch, never per packet.
final class SegmentChannel: @unchecked Sendable {
    /// Items per batch: one 2 MiB huge page of 64-byte items.
    static let bufferBytes = 2 << 20
    static let batchSize = bufferBytes / MemoryLayout<PipelineItem>.stride
    private let condition = NSCondition()
    private var full: [SegmentBatch] = []
    private var empty: [SegmentBatch]
    private let buffers: [UnsafeMutableRawPointer]
    private var closed = false
    /// What the reader leaves at the end: the capture summary, and an error that stopped it early.
    private var outcome: (summary: CaptureSummary, error: CaptureError?)?

    /// Six batches (12 MiB, touched only while filled): with four the reader waited for the tracker more
    /// often (0.02-0.03 s more on the 10 M-packet benchmark); six, seven and eight measured the same, and when
    /// tracking is the slower side (many short connections) every batch fills, so each one is 2 MiB of RSS.
    init(batches: Int = 6) {
        // Batches are emptied by dropping their pages: their items must hold no references, which
        // PipelineItem's BitwiseCopyable conformance makes the compiler check.
        precondition(MemoryLayout<PipelineItem>.stride == 64, "PipelineItem: 64 plain bytes")
        buffers = (0..<batches).map { _ in
            var pointer: UnsafeMutableRawPointer?
            // Aligned to the buffer's size so that it can be one transparent huge page.
            guard posix_memalign(&pointer, SegmentChannel.bufferBytes, SegmentChannel.bufferBytes) == 0, let pointer
            else {
                fatalError("out of memory for the packet batches")
            }
            #if os(Linux)
            _ = madvise(pointer, SegmentChannel.bufferBytes, MADV_HUGEPAGE)
            #endif
            return pointer
        }
        empty = buffers.map { buffer in
            var batch = SegmentBatch(
                storage: buffer.bindMemory(to: PipelineItem.self, capacity: SegmentChannel.batchSize))
            batch.extras.reserveCapacity(SegmentChannel.batchSize)
            return batch
        }
    }

    deinit {
        for buffer in buffers { free(buffer) }
    }

    // MARK: Reader side

    /// An empty batch to fill (waits while the tracker holds them all).
    func emptyBatch() -> SegmentBatch {
        condition.lock()
        defer { condition.unlock() }
        while empty.isEmpty { condition.wait() }
        return empty.removeFirst()
    }

    /// Bytes of input read when the last batch was sent (all files so far), for progress.
    private var bytesRead: Int64 = 0

    /// Sends a full batch; `bytesRead` counts the input read so far (for the progress line).
    func send(_ batch: consuming SegmentBatch, bytesRead read: Int64 = 0) {
        condition.lock()
        if read > bytesRead { bytesRead = read }
        batch.bytesRead = bytesRead
        full.append(batch)
        condition.signal()
        condition.unlock()
    }

    /// A stream's batch being filled (`sendArriving`), held here rather than by the reader so that the
    /// tracker can take it part-filled.
    private var filling: SegmentBatch?

    /// Reading a stream (a pipe, standard input): packs one segment into the batch being filled, which is
    /// kept in the channel, under its lock, so that the tracker can take what has arrived while the reader is
    /// blocked waiting for more input (`receive(waitingAtMost:)`). A lock per segment (uncontended but for the
    /// tracker's look at a batch boundary or after a quiet wait): only for streams, whose pace is the writer's;
    /// a file goes through `send`, a batch at a time. (A stream's size is unknown: no bytes read for progress.)
    func sendArriving(_ segment: borrowing Segment, frame: Int, time: Timestamp) {
        condition.lock()
        defer { condition.unlock() }
        // (Taken out and put back: one exclusive access to the property, not one per use.)
        var batch = filling.take() ?? takeEmpty()
        // (A frame too far from the batch's first for an offset starts the next batch.)
        if !batch.append(segment, frame: frame, time: time) {
            passOn(batch)
            batch = takeEmpty()
            _ = batch.append(segment, frame: frame, time: time)
        }
        if batch.count == SegmentChannel.batchSize { passOn(batch) } else { filling = batch }
    }

    /// (Locked.) An empty batch, waiting while the tracker holds them all.
    private func takeEmpty() -> SegmentBatch {
        while empty.isEmpty { condition.wait() }
        return empty.removeFirst()
    }

    /// (Locked.) A stream's batch joins the full ones.
    private func passOn(_ batch: consuming SegmentBatch) {
        full.append(batch)
        condition.signal()
    }

    /// The reader is done (after its last `send` or `sendArriving`).
    func close(summary: CaptureSummary, error: CaptureError?) {
        condition.lock()
        if let batch = filling.take() {
            if batch.isEmpty { empty.append(batch) } else { full.append(batch) }
        }
        outcome = (summary, error)
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Tracker side

    /// The next full batch, in order (its `bytesRead`: the input read when it was sent); nil once the reader
    /// has closed and every batch was taken.
    func receive() -> SegmentBatch? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !closed { condition.wait() }
        return full.isEmpty ? nil : full.removeFirst()
    }

    /// What `receive(waitingAtMost:)` found.
    enum Arrival {
        /// A batch: a full one, or the one the reader is filling, taken part-filled after a quiet wait.
        case batch(SegmentBatch)
        /// Nothing arrived while waiting.
        case quiet
        /// The reader has closed and every batch was taken.
        case closed
    }

    /// A stream's next batch (`sendArriving`): a full one as soon as there is one; after `seconds` without one,
    /// the batch the reader is filling, as far as it is filled, so that segments that arrived are tracked
    /// while the reader waits for more input (blocked in a read that may last any time); `.quiet` when it is
    /// empty.
    func receive(waitingAtMost seconds: Double) -> Arrival {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while full.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if !full.isEmpty { return .batch(full.removeFirst()) }
        if let batch = filling, !batch.isEmpty {
            filling = nil
            return .batch(batch)
        }
        return closed ? .closed : .quiet
    }

    /// Gives a batch back to the reader, emptied (its capacity kept).
    func recycle(_ batch: consuming SegmentBatch) {
        batch.reset()
        condition.lock()
        empty.append(batch)
        condition.signal()
        condition.unlock()
    }

    /// Gives a batch's pages back to the kernel (MADV_DONTNEED) once the tracker has read them, so that the
    /// reader fills a fresh zeroed page next time. Overwriting lines the tracking thread has just read would
    /// make each of the reader's writes fetch and invalidate them in the other core's cache first: measured on
    /// the 10 M-packet benchmark, that made the run take 1.3 to 2.5 s from one run to the next (depending on
    /// where the two cores sit); with fresh pages it takes the same time every run (docs/performance.md).
    static func dropPages(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        _ = madvise(pointer, bytes, MADV_DONTNEED)
        #endif
    }

    /// Waits for the reader to close and returns what it left.
    func waitForOutcome() -> (summary: CaptureSummary, error: CaptureError?) {
        condition.lock()
        defer { condition.unlock() }
        while !closed { condition.wait() }
        return outcome!
    }
}
