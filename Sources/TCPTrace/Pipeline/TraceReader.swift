import Foundation

/// Reads one or more capture files as one continuous trace: files in order of their first timestamp, frame
/// numbers running on across them, each TCP segment decoded and handed on with its frame and time. Used by
/// every pipeline that reads files (`Analyzer`, `StreamingRun`).
enum TraceReader {
    /// Orders several files by the timestamp of their first packet (files without packets keep their place at
    /// the end). Opening each file here also reports a bad one before any output is written.
    /// - Throws: `.standardInputWithOtherFiles` when `-` is not alone; `CaptureError` for a file that cannot
    ///   be opened as a capture.
    static func order(_ paths: [String], summary: inout CaptureSummary) throws(CaptureError) -> [String] {
        if paths.count > 1 && paths.contains("-") { throw .standardInputWithOtherFiles }
        guard paths.count > 1 else { return paths }
        var firsts: [(path: String, first: Timestamp?, position: Int)] = []
        for (position, path) in paths.enumerated() {
            let capture = try CaptureFile(path: path)
            firsts.append((path, capture.firstTimestamp(), position))
        }
        let sorted = firsts.sorted { lhs, rhs in
            switch (lhs.first, rhs.first) {
            case let (l?, r?): return l == r ? lhs.position < rhs.position : l < r
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return lhs.position < rhs.position
            }
        }
        let result = sorted.map(\.path)
        if result != paths {
            summary.notes.append(
                "files read in order of their first timestamp: "
                    + result.joined(separator: ", "))
        }
        return result
    }

    /// Warns when a file starts before the previous one ended. Out of line: the per-packet closure stays small
    /// enough to be inlined into the reading loop.
    @inline(never)
    static func warnIfOverlapping(_ path: String, startingAt now: Timestamp, _ summary: inout CaptureSummary) {
        if let previous = summary.files.last, let previousEnd = previous.lastTime, now < previousEnd {
            summary.warnings.append(
                "\(path): starts at \(now) before \(previous.path) ends at \(previousEnd): "
                    + "the files overlap in time; packets are analysed file after file")
        }
    }

    /// `locate`, behind one branch on the per-packet path (files and live): a plain capture's segment keeps its
    /// zero ids (the previous segment's tunnel is cleared in `locate` too).
    @inline(__always)
    static func locateIfNeeded(
        _ segment: inout Segment, _ bytes: UnsafeRawBufferPointer, _ record: PacketRecord, _ tunnels: TunnelRegistry?,
        _ duplicates: inout CaptureDuplicates, _ summary: inout CaptureSummary
    ) {
        // (The three words or'ed, one test: three short-circuit tests cost about 2 instructions a segment more.)
        if UInt32(segment.tunnelMarks.count) | segment.tunnel | record.interface != 0 || duplicates.isActive {
            locate(&segment, bytes, record.interface, record.timestamp, tunnels, &duplicates, &summary)
        }
    }

    /// A tunnelled segment's identity and path, and the interface of a segment from a capture with several
    /// (and whether it is a copy seen on another: `CaptureDuplicates`). Out of line: most segments have none
    /// of these.
    @inline(never)
    static func locate(
        _ segment: inout Segment, _ bytes: UnsafeRawBufferPointer, _ interface: UInt32, _ time: Timestamp,
        _ tunnels: TunnelRegistry?, _ duplicates: inout CaptureDuplicates, _ summary: inout CaptureSummary
    ) {
        if segment.tunnelMarks.count > 0, let tunnels {
            (segment.tunnel, segment.tunnelPath) = tunnels.intern(bytes, segment.tunnelMarks)
            segment.tunnelSourcePort = TunnelRegistry.outerSourcePort(bytes, segment.tunnelMarks)
        } else {
            segment.tunnel = 0
            segment.tunnelPath = 0
            segment.tunnelSourcePort = 0
        }
        if duplicates.mark(&segment, bytes, interface: interface, at: time) { summary.captureDuplicates += 1 }
    }

    /// Whether the input is a stream that arrives as it is written: one path, standard input (`-`) or a named
    /// file, that is a pipe, a FIFO, a socket or a terminal. Standard input redirected from a regular file is
    /// a file. A path that cannot be examined is not a stream (opening it reports why).
    static func isStream(_ paths: [String]) -> Bool {
        guard paths.count == 1 else { return false }
        var status = stat()
        let examined = paths[0] == "-" ? fstat(0, &status) : stat(paths[0], &status)
        guard examined == 0 else { return false }
        let kind = status.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFSOCK || kind == S_IFCHR
    }

    /// The size of the input files (0 when one is not a regular file: standard input, a pipe).
    static func totalSize(of paths: [String]) -> Int64 {
        var total: Int64 = 0
        for path in paths {
            guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? NSNumber
            else { return 0 }
            total += size.int64Value
        }
        return total
    }

    /// Reads and decodes every packet of one capture, handing each TCP segment to `deliver` with its frame
    /// number and time; frame numbers continue from `frame`. The segment is passed `inout` only so that it is
    /// not copied (140 bytes) for every packet: `deliver` reads it and must not change it.
    /// With `settings.verifyChecksums`, each segment's checksums are checked (`Segment.checksum`) and counted
    /// in `summary.checksums`. A tunnelled segment's tunnels are interned in `settings.tunnels`. In a file with
    /// several interfaces, a segment seen a second time on another one is marked `isCaptureDuplicate`
    /// (`CaptureDuplicates`) and counted.
    static func read(
        _ capture: borrowing CaptureFile, path: String, frame: inout Int,
        summary: inout CaptureSummary, settings: ReadSettings = ReadSettings(),
        deliver: (inout Segment, Int, Timestamp) -> Void
    ) {
        if settings.verifyChecksums && summary.checksums == nil { summary.checksums = ChecksumCounts() }
        var file = InputFileSummary(path: path, linkType: capture.linkType, snapLength: capture.snapLength)
        let linkType = capture.linkType
        var segment = Segment.empty  // decoded into in place, packet after packet
        segment.tunnelPorts = settings.tunnelPorts
        var duplicates = CaptureDuplicates(interfaces: capture.interfaceCount)
        // Per packet only the frame number and the latest time change; the file's counts and times are
        // written once at the end (this loop is the reading thread's per-packet path).
        let firstFrame = frame + 1
        var latest = Timestamp(nanoseconds: 0)
        let end = capture.forEachPacket { record, bytes in
            frame += 1
            let now = record.timestamp
            noteTime(now, frame: frame, firstFrame: firstFrame, latest: &latest, file: &file, path: path, &summary)
            if decode(bytes, record, linkType, settings, into: &segment, &duplicates, &summary, frame: frame) {
                deliver(&segment, frame, now)
            }
        }
        finishFile(
            &file, path: path, firstFrame: firstFrame, lastFrame: frame, latest: latest, end: end,
            linkTypes: capture.linkTypes, filter: settings.filter, summary: &summary)
    }

    /// One frame's time against the file's: the first frame's (and a file that overlaps the one before), a
    /// time earlier than the latest (counted, warned about once per file), else the new latest. Per packet,
    /// in `read` and `readFrames`.
    @inline(__always)
    static func noteTime(
        _ now: Timestamp, frame: Int, firstFrame: Int, latest: inout Timestamp, file: inout InputFileSummary,
        path: String, _ summary: inout CaptureSummary
    ) {
        if frame == firstFrame {
            latest = now
            file.firstTime = now
            warnIfOverlapping(path, startingAt: now, &summary)
        } else if now < latest {
            if file.backwardsFrame == nil { file.backwardsFrame = frame }
            file.backwardsCount += 1
        } else {
            latest = now
        }
    }

    /// Decodes one frame into `segment` and counts it; for a TCP segment (true), also its tunnels and capture
    /// duplicates, `--filter` and, with `verifyChecksums`, its checksums. Per packet, the same steps in the same
    /// order in `read` and `readFrames`, so that `extract` tracks what `analyze` tracks.
    @inline(__always)
    static func decode(
        _ bytes: UnsafeRawBufferPointer, _ record: PacketRecord, _ linkType: LinkType, _ settings: ReadSettings,
        into segment: inout Segment, _ duplicates: inout CaptureDuplicates, _ summary: inout CaptureSummary,
        frame: Int
    ) -> Bool {
        // (A pcapng file's packets carry their interface's link type.)
        let status = PacketDecoder.decode(bytes, linkType: record.linkType ?? linkType, into: &segment)
        guard summary.count(status, segment: segment, frame: frame) else { return false }
        locateIfNeeded(&segment, bytes, record, settings.tunnels, &duplicates, &summary)
        if let filter = settings.filter {
            segment.matchesFilter = filter.matches(
                bytes, originalLength: record.originalLength, linkType: record.linkType ?? linkType)
        }
        if settings.verifyChecksums {
            segment.checksum = ChecksumVerifier.verify(bytes, segment)
            summary.checksums?.count(segment.checksum)
        }
        return true
    }

    /// Writes what reading one file found into its summary and the trace's: packet counts, frames, times,
    /// damage and backward timestamps (warnings), `--filter` failures. Once per file (`read`, `readFrames`).
    static func finishFile(
        _ file: inout InputFileSummary, path: String, firstFrame: Int, lastFrame frame: Int, latest: Timestamp,
        end: ReadEnd, linkTypes: [LinkType], filter: PacketFilter?, summary: inout CaptureSummary
    ) {
        file.packets = frame - firstFrame + 1
        file.linkTypes = linkTypes
        summary.packets += file.packets
        if file.packets > 0 {
            file.firstFrame = firstFrame
            file.lastFrame = frame
            file.lastTime = latest
        }
        if case .damaged(let reason) = end {
            file.damage = reason
            summary.warnings.append(
                "\(path): capture cut off after \(file.packets) packets (\(reason)); "
                    + "results cover the packets read before the damage")
        }
        if let first = file.backwardsFrame {
            summary.warnings.append(
                "\(path): \(file.backwardsCount) packet(s) have a timestamp earlier than a packet "
                    + "before them (first at frame \(first)); times are taken as they are")
        }
        if let filter {
            for (type, reason) in filter.failures.sorted(by: { $0.key < $1.key })
            where !summary.warnings.contains(where: { $0.hasPrefix("--filter on link type \(type.name)") }) {
                summary.warnings.append(
                    "--filter on link type \(type.name): \(reason) (no packet of this link type matches)")
            }
        }
        if summary.firstTime == nil { summary.firstTime = file.firstTime }
        if let last = file.lastTime { summary.lastTime = max(summary.lastTime ?? last, last) }
        summary.files.append(file)
    }
}
