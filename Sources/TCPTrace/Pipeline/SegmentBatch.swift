/// Decoded segments of up to `SegmentChannel.batchSize` frames, packed. The items live in a buffer the channel
/// owns (one 2 MiB huge page); a batch is handed from thread to thread, never used by two at once.
struct SegmentBatch: @unchecked Sendable {
    let storage: UnsafeMutablePointer<PipelineItem>
    private(set) var count = 0
    var extras: [UInt64] = []
    /// Frame number of the first item; an item's frame is this plus its offset.
    var baseFrame = 0
    /// Input bytes read (all files so far) when the batch was sent: how far the input is read once the tracker
    /// has tracked this batch (for progress).
    var bytesRead: Int64 = 0
    /// Some item has the extended words (a tunnel, or an interface after the first: `PipelineItem.extended`).
    /// A plain capture's batches have none, and are unpacked without touching those fields (`unpackPlain`).
    private(set) var hasExtended = false

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
        var v6 = segment.source.isIPv6  // (no `||`: its autoclosure cannot capture a borrowed parameter)
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
        var checksum = segment.checksum.rawValue
        if segment.isCaptureDuplicate { checksum |= PipelineItem.captureDuplicate }
        if segment.matchesFilter { checksum |= PipelineItem.filterMatch }
        if segment.tunnel | segment.interface != 0 {
            // Tunnelled, or not the capture's first interface: two more words, flagged in the checksum byte.
            checksum |= PipelineItem.extended
            hasExtended = true
            extras.append(UInt64(segment.tunnel) << 32 | UInt64(segment.tunnelPath))
            extras.append(UInt64(segment.interface) | UInt64(segment.tunnelSourcePort) << 32)
        }
        // An IP header of 508 bytes or more (IPv6 with long extension headers): its length in one more word.
        // (No `&&`: its autoclosure cannot capture a borrowed parameter.)
        let ipHeader =
            segment.transportOffset > segment.networkOffset ? segment.transportOffset &- segment.networkOffset : 0
        if ipHeader >= 127 * 4 {
            extras.append(UInt64(ipHeader))
        }
        (storage + count).initialize(
            to: PipelineItem(
                time: time.nanoseconds, sequence: segment.sequence.rawValue,
                acknowledgment: segment.acknowledgment.rawValue,
                payloadLength: segment.payloadLength, capturedPayloadLength: segment.capturedPayloadLength,
                frameOffset: UInt32(offset), sourcePort: segment.sourcePort, destinationPort: segment.destinationPort,
                window: segment.window, flags: PipelineItem.packFlags(segment), mss: segment.options.mss ?? 0,
                windowScale: segment.options.windowScale ?? 0,
                headerLength: segment.headerLength, bits: bits, sackCount: UInt8(segment.options.sack.count),
                ttl: segment.ttl, checksum: checksum,
                extra: extra,
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
        hasExtended = false
        extras.removeAll(keepingCapacity: true)
    }

    /// The tunnel ids, the interface and the outer UDP source port, two words in `extras` from `index`
    /// (`PipelineItem.extended`).
    @inline(never)
    private func extendedFields(at index: Int) -> (tunnel: UInt32, path: UInt32, interface: UInt32, port: UInt16) {
        let word = extras[index], second = extras[index + 1]
        return (
            UInt32(truncatingIfNeeded: word >> 32), UInt32(truncatingIfNeeded: word),
            UInt32(truncatingIfNeeded: second), UInt16(truncatingIfNeeded: second >> 32)
        )
    }

    /// Unpacks item `i` into `segment` (overwriting every field), returning its frame and time.
    @inline(__always)
    func unpack(_ i: Int, into segment: inout Segment) -> (frame: Int, time: Timestamp) {
        unpack(i, into: &segment, extended: true)
    }

    /// `unpack` for a batch without extended items (`hasExtended` false), after `clearExtendedFields`: the
    /// segment's tunnel and interface fields are left alone, so a plain capture costs no store for them per
    /// segment. (Written as zeros for each segment, and kept in registers or spilled around the tracker's call,
    /// they cost about 22 instructions a segment: 0.8 % of a run of long connections; callgrind,
    /// `scripts/tunnel-cost.sh`, docs/performance.md "Session 15".)
    @inline(__always)
    func unpackPlain(_ i: Int, into segment: inout Segment) -> (frame: Int, time: Timestamp) {
        unpack(i, into: &segment, extended: false)
    }

    /// Clears what `unpackPlain` leaves alone.
    @inline(__always)
    static func clearExtendedFields(of segment: inout Segment) {
        segment.tunnel = 0
        segment.tunnelPath = 0
        segment.interface = 0
        segment.tunnelSourcePort = 0
    }

    /// `unpack`; with `mayExtend` false (a batch without extended items) the tunnel and interface fields are
    /// left as they are.
    @inline(__always)
    private func unpack(
        _ i: Int, into segment: inout Segment, extended mayExtend: Bool
    ) -> (frame: Int, time: Timestamp) {
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
            segment.options.sack.append(
                left: UInt32(truncatingIfNeeded: word >> 32), right: UInt32(truncatingIfNeeded: word))
        }
        let extended = mayExtend && item.checksum & PipelineItem.extended != 0
        if extended {
            (segment.tunnel, segment.tunnelPath, segment.interface, segment.tunnelSourcePort) = extendedFields(
                at: cursor + Int(item.sackCount))
        } else if mayExtend {
            segment.tunnel = 0
            segment.tunnelPath = 0
            segment.interface = 0
            segment.tunnelSourcePort = 0
        }
        segment.sourcePort = item.sourcePort
        segment.destinationPort = item.destinationPort
        segment.sequence = SequenceNumber(item.sequence)
        segment.acknowledgment = SequenceNumber(item.acknowledgment)
        segment.flags = TCPFlags(rawValue: item.flags & PipelineItem.flagBits)
        // Only the IP header's length crosses (`Segment.ipLength`); the offsets into a frame that is not here.
        segment.networkOffset = 0
        segment.transportOffset = UInt32(item.flags >> 9) &* 4
        if item.flags >> 9 == 127 {
            segment.transportOffset = UInt32(
                truncatingIfNeeded: extras[cursor + Int(item.sackCount) + (extended ? 2 : 0)])
        }
        segment.window = item.window
        segment.payloadLength = item.payloadLength
        segment.capturedPayloadLength = item.capturedPayloadLength
        segment.headerLength = item.headerLength
        segment.optionsTruncated = item.bits & PipelineItem.optionsTruncated != 0
        segment.isFirstFragment = item.bits & PipelineItem.firstFragment != 0
        segment.ttl = item.ttl
        segment.isCaptureDuplicate = item.checksum & PipelineItem.captureDuplicate != 0
        segment.matchesFilter = item.checksum & PipelineItem.filterMatch != 0
        let checksum =
            item.checksum & ~(PipelineItem.extended | PipelineItem.captureDuplicate | PipelineItem.filterMatch)
        segment.checksum = checksum == 0 ? .unverified : ChecksumStatus(rawValue: checksum) ?? .unverified
        return (baseFrame + Int(item.frameOffset), Timestamp(nanoseconds: item.time))
    }
}
