import Foundation

/// One decoded segment on its way from the reading thread to the tracking thread, packed into one 64-byte
/// cache line (a `Segment` with its frame and time takes 160): every byte crosses from one core to the other,
/// so fewer bytes is less time. IPv6 addresses and SACK blocks, which do not fit, go to the batch's `extras`.
struct PipelineItem: Sendable {
    var time: Int64
    var sequence: UInt32
    var acknowledgment: UInt32
    var payloadLength: UInt32
    var capturedPayloadLength: UInt32
    /// Frame number minus the batch's `baseFrame`.
    var frameOffset: UInt32
    var sourcePort: UInt16
    var destinationPort: UInt16
    var window: UInt16
    var flags: UInt16
    var mss: UInt16
    var windowScale: UInt8
    var headerLength: UInt8
    var bits: UInt8
    var sackCount: UInt8
    /// Index in `extras` of the IPv6 addresses (4 words) and then the SACK blocks (a word each).
    var extra: UInt32
    /// IPv4 source and destination (IPv6: in `extras`).
    var source4: UInt32
    var destination4: UInt32
    var timestampValue: UInt32
    var timestampEcho: UInt32

    static let optionsTruncated: UInt8 = 1, firstFragment: UInt8 = 2, sackPermitted: UInt8 = 4, malformed: UInt8 = 8
    static let hasMSS: UInt8 = 16, hasWindowScale: UInt8 = 32, hasTimestamps: UInt8 = 64, ipv6: UInt8 = 128
}

/// Decoded segments of up to `SegmentChannel.batchSize` frames, packed. The items live in a buffer the channel
/// owns (one 2 MiB huge page); a batch is handed from thread to thread, never used by two at once.
struct SegmentBatch: @unchecked Sendable {
    let storage: UnsafeMutablePointer<PipelineItem>
    private(set) var count = 0
    var extras: [UInt64] = []
    /// Frame number of the first item; an item's frame is this plus its offset.
    var baseFrame = 0

    var isEmpty: Bool { count == 0 }

    /// Packs `segment`; false (nothing added) when the frame is too far from the batch's first to be an offset,
    /// and the batch must be sent first.
    @inline(__always)
    mutating func append(_ segment: borrowing Segment, frame: Int, time: Timestamp) -> Bool {
        if count == 0 { baseFrame = frame }
        let offset = frame - baseFrame
        guard offset >= 0 && offset <= Int(UInt32.max) else { return false }
        // (Options read field by field: a copy of the whole value is a wide load of narrow stores just made.)
        var bits: UInt8 = 0
        if segment.optionsTruncated { bits |= PipelineItem.optionsTruncated }
        if segment.isFirstFragment { bits |= PipelineItem.firstFragment }
        if segment.options.sackPermitted { bits |= PipelineItem.sackPermitted }
        if segment.options.malformed { bits |= PipelineItem.malformed }
        if segment.options.mss != nil { bits |= PipelineItem.hasMSS }
        if segment.options.windowScale != nil { bits |= PipelineItem.hasWindowScale }
        // Both timestamp words are set together by the decoder.
        if segment.options.timestampValue != nil { bits |= PipelineItem.hasTimestamps }
        // (The decoder gives both addresses the same family: they come from one IP header.)
        var v6 = segment.source.isIPv6   // (no `||`: its autoclosure cannot capture a borrowed parameter)
        if segment.destination.isIPv6 { v6 = true }
        if v6 { bits |= PipelineItem.ipv6 }
        var extra = UInt32(truncatingIfNeeded: extras.count)
        if v6 {
            extras.append(segment.source.high)
            extras.append(segment.source.low)
            extras.append(segment.destination.high)
            extras.append(segment.destination.low)
        }
        if segment.options.sack.count > 0 {
            if !v6 { extra = UInt32(truncatingIfNeeded: extras.count) }
            for i in 0..<segment.options.sack.count {
                let block = segment.options.sack[i]
                extras.append(UInt64(block.left.rawValue) << 32 | UInt64(block.right.rawValue))
            }
        }
        (storage + count).initialize(to: PipelineItem(
            time: time.nanoseconds, sequence: segment.sequence.rawValue, acknowledgment: segment.acknowledgment.rawValue,
            payloadLength: segment.payloadLength, capturedPayloadLength: segment.capturedPayloadLength,
            frameOffset: UInt32(offset), sourcePort: segment.sourcePort, destinationPort: segment.destinationPort,
            window: segment.window, flags: segment.flags.rawValue, mss: segment.options.mss ?? 0, windowScale: segment.options.windowScale ?? 0,
            headerLength: segment.headerLength, bits: bits, sackCount: UInt8(segment.options.sack.count), extra: extra,
            source4: v6 ? 0 : UInt32(truncatingIfNeeded: segment.source.low),
            destination4: v6 ? 0 : UInt32(truncatingIfNeeded: segment.destination.low),
            timestampValue: segment.options.timestampValue ?? 0, timestampEcho: segment.options.timestampEcho ?? 0))
        count += 1
        return true
    }

    /// Empties the batch, giving the items' pages back to the kernel (see `SegmentChannel.recycle`).
    mutating func reset() {
        SegmentChannel.dropPages(storage, bytes: SegmentChannel.bufferBytes)
        count = 0
        extras.removeAll(keepingCapacity: true)
    }

    /// Unpacks item `i` into `segment` (overwriting every field), returning its frame and time.
    func unpack(_ i: Int, into segment: inout Segment) -> (frame: Int, time: Timestamp) {
        let item = storage[i]
        var cursor = Int(item.extra)
        if item.bits & PipelineItem.ipv6 != 0 {
            segment.source = IPAddress(ipv6High: extras[cursor], low: extras[cursor + 1])
            segment.destination = IPAddress(ipv6High: extras[cursor + 2], low: extras[cursor + 3])
            cursor += 4
        } else {
            segment.source = IPAddress(ipv4: item.source4)
            segment.destination = IPAddress(ipv4: item.destination4)
        }
        // (Options written field by field, in place: see `PacketDecoder.decodeTCP`.)
        segment.options.mss = item.bits & PipelineItem.hasMSS != 0 ? item.mss : nil
        segment.options.windowScale = item.bits & PipelineItem.hasWindowScale != 0 ? item.windowScale : nil
        segment.options.sackPermitted = item.bits & PipelineItem.sackPermitted != 0
        segment.options.malformed = item.bits & PipelineItem.malformed != 0
        let timestamps = item.bits & PipelineItem.hasTimestamps != 0
        segment.options.timestampValue = timestamps ? item.timestampValue : nil
        segment.options.timestampEcho = timestamps ? item.timestampEcho : nil
        segment.options.sack.removeAll()
        for k in 0..<Int(item.sackCount) {
            let word = extras[cursor + k]
            segment.options.sack.append(left: UInt32(truncatingIfNeeded: word >> 32), right: UInt32(truncatingIfNeeded: word))
        }
        segment.sourcePort = item.sourcePort
        segment.destinationPort = item.destinationPort
        segment.sequence = SequenceNumber(item.sequence)
        segment.acknowledgment = SequenceNumber(item.acknowledgment)
        segment.flags = TCPFlags(rawValue: item.flags)
        segment.window = item.window
        segment.payloadLength = item.payloadLength
        segment.capturedPayloadLength = item.capturedPayloadLength
        segment.headerLength = item.headerLength
        segment.optionsTruncated = item.bits & PipelineItem.optionsTruncated != 0
        segment.isFirstFragment = item.bits & PipelineItem.firstFragment != 0
        return (baseFrame + Int(item.frameOffset), Timestamp(nanoseconds: item.time))
    }
}

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
        // Batches are emptied by dropping their pages: their items must hold no references.
        precondition(_isPOD(PipelineItem.self) && MemoryLayout<PipelineItem>.stride == 64, "PipelineItem: 64 plain bytes")
        buffers = (0..<batches).map { _ in
            var pointer: UnsafeMutableRawPointer?
            // Aligned to the buffer's size so that it can be one transparent huge page.
            guard posix_memalign(&pointer, SegmentChannel.bufferBytes, SegmentChannel.bufferBytes) == 0, let pointer else {
                fatalError("out of memory for the packet batches")
            }
            #if os(Linux)
            _ = madvise(pointer, SegmentChannel.bufferBytes, MADV_HUGEPAGE)
            #endif
            return pointer
        }
        empty = buffers.map { buffer in
            var batch = SegmentBatch(storage: buffer.bindMemory(to: PipelineItem.self, capacity: SegmentChannel.batchSize))
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

    /// The next full batch, in order, and the input bytes read when it was sent at the latest; nil once the
    /// reader has closed and every batch was taken.
    func receive() -> (batch: SegmentBatch, bytesRead: Int64)? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !closed { condition.wait() }
        return full.isEmpty ? nil : (full.removeFirst(), bytesRead)
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
