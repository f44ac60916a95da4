/// The reading loop of `extract`: every frame, not only TCP segments, with its raw bytes and the connection
/// the tracker gave it. A loop of its own, so that `read` (the analysis path) stays as it is; the decoding,
/// counting, tunnel and duplicate marking, checksum checks and tracking are the same calls in the same order,
/// so a trace read here gets the same connection ids as in `analyze`.
extension TraceReader {
    /// Reads one capture (`fileIndex`: its place in reading order), decoding and tracking each segment into
    /// `tracker`, and hands every frame to `body` with its bytes (valid only during the call) and the tracker,
    /// which `body` may drain. Frame numbers continue from `frame`; the summary is kept as `read` keeps it.
    static func readFrames(
        _ capture: borrowing CaptureFile, path: String, fileIndex: Int, frame: inout Int,
        summary: inout CaptureSummary, settings: ReadSettings, tracker: inout Tracker,
        body: (inout Tracker, TraceFrame, UnsafeRawBufferPointer) throws(CaptureWriteError) -> Void
    ) throws(CaptureWriteError) {
        if settings.verifyChecksums && summary.checksums == nil { summary.checksums = ChecksumCounts() }
        var file = InputFileSummary(path: path, linkType: capture.linkType, snapLength: capture.snapLength)
        let linkType = capture.linkType
        var segment = Segment.empty
        segment.tunnelPorts = settings.tunnelPorts
        var duplicates = CaptureDuplicates(interfaces: capture.interfaceCount)
        let firstFrame = frame + 1
        var latest = Timestamp(nanoseconds: 0)
        // The interface of the previous frame (most files have one): looked up again only when it changes.
        var lastInterface: (number: UInt32, value: SourceInterface)?
        var failure: CaptureWriteError?
        let end = capture.forEachPacket { record, bytes in
            guard failure == nil else { return }
            frame += 1
            let now = record.timestamp
            noteTime(now, frame: frame, firstFrame: firstFrame, latest: &latest, file: &file, path: path, &summary)
            let interface: SourceInterface
            if let last = lastInterface, last.number == record.interface {
                interface = last.value
            } else {
                interface = capture.sourceInterface(record.interface)
                lastInterface = (record.interface, interface)
            }
            var visit = TraceFrame(
                number: frame, record: record, source: fileIndex << 32 | Int(record.interface), interface: interface)
            if decode(bytes, record, linkType, settings, into: &segment, &duplicates, &summary, frame: frame) {
                let late = tracker.lateSegments
                let id = tracker.ingest(segment, frame: frame, time: now)
                visit.isLate = id == 0 && tracker.lateSegments > late
                visit.connection = visit.isLate ? tracker.lastLateOwner : id
                visit.isSegment = true
                visit.isFirstFragment = segment.isFirstFragment
                visit.endpoints = EndpointPair(
                    Endpoint(address: segment.source, port: segment.sourcePort),
                    Endpoint(address: segment.destination, port: segment.destinationPort))
            }
            do throws(CaptureWriteError) {
                try body(&tracker, visit, bytes)
            } catch {
                failure = error
            }
        }
        finishFile(
            &file, path: path, firstFrame: firstFrame, lastFrame: frame, latest: latest, end: end,
            linkTypes: capture.linkTypes, filter: settings.filter, summary: &summary)
        if let failure { throw failure }
    }
}
