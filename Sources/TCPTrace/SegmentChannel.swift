import Foundation

/// One decoded segment on its way from the reading thread to the tracking thread.
struct PipelineItem: Sendable {
    var segment: Segment
    var frame: Int
    var time: Timestamp
}

/// Hands batches of decoded segments from the thread that reads and decodes the capture to the thread that
/// tracks connections. The batches go round: the reader fills an empty one and sends it, the tracker takes it,
/// empties it and gives it back, so in steady state nothing is allocated and the lock is taken once per
/// batch, never per packet.
final class SegmentChannel: @unchecked Sendable {
    static let batchSize = 4096
    private let condition = NSCondition()
    private var full: [[PipelineItem]] = []
    private var empty: [[PipelineItem]]
    private var closed = false
    /// What the reader leaves at the end: the capture summary, and an error that stopped it early.
    private var outcome: (summary: CaptureSummary, error: CaptureError?)?

    init(batches: Int = 4) {
        // Batches are emptied by dropping their pages: their items must hold no references.
        precondition(_isPOD(PipelineItem.self), "PipelineItem must be a plain value")
        empty = (0..<batches).map { _ in
            var batch: [PipelineItem] = []
            batch.reserveCapacity(SegmentChannel.batchSize)
            return batch
        }
    }

    // MARK: Reader side

    /// An empty batch to fill (waits while the tracker holds them all).
    func emptyBatch() -> [PipelineItem] {
        condition.lock()
        defer { condition.unlock() }
        while empty.isEmpty { condition.wait() }
        return empty.removeFirst()
    }

    func send(_ batch: consuming [PipelineItem]) {
        condition.lock()
        full.append(batch)
        condition.signal()
        condition.unlock()
    }

    /// The reader is done (after its last `send`).
    func close(summary: CaptureSummary, error: CaptureError?) {
        condition.lock()
        outcome = (summary, error)
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Tracker side

    /// The next full batch, in order; nil once the reader has closed and every batch was taken.
    func receive() -> [PipelineItem]? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !closed { condition.wait() }
        return full.isEmpty ? nil : full.removeFirst()
    }

    /// Gives a batch back to the reader, emptied (its capacity kept).
    func recycle(_ batch: consuming [PipelineItem]) {
        SegmentChannel.dropPages(of: &batch)
        batch.removeAll(keepingCapacity: true)
        condition.lock()
        empty.append(batch)
        condition.signal()
        condition.unlock()
    }

    /// Gives the batch's whole pages back to the kernel (MADV_DONTNEED) once the tracker has read them, so that
    /// the reader fills fresh zeroed pages next time. Overwriting lines the tracking thread has just read would
    /// make each of the reader's writes fetch and invalidate them in the other core's cache first: measured on
    /// the 10 M-packet benchmark, that made the run take 1.9 to 2.5 s from one run to the next (depending on
    /// where the two cores sit), 1.57 s every time with fresh pages (docs/performance.md).
    private static func dropPages(of batch: inout [PipelineItem]) {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        batch.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress, page > 0 else { return }
            let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: base) + raw.count) & ~(page - 1)
            if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) }
        }
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
