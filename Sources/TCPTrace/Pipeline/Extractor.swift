import Foundation

/// Writes every frame of the chosen connections to a capture file, in two readings of the trace.
///
/// The first reading analyses the trace as `analyze` does and keeps the ids of the connections the selection
/// chooses (their frames' link types and timestamp precision too, to choose the format). The second reads the
/// trace again and tracks it again in the same way, so each segment gets the same connection id, and writes
/// each frame the tracker gave to a chosen connection (its late segments too), the IP fragments of its
/// datagrams and the ICMP errors that quote its 4-tuple, with their original bytes, timestamps and link
/// types, in trace order, as they are read. Memory holds the tracker's open connections (as a streaming
/// `analyze` does) and, for the chosen connections only, their 4-tuples and recent fragmented datagrams.
public enum Extractor {
    /// Fragments of a datagram are taken up to this long after its first fragment (seconds; Linux's
    /// `ipfrag_time` is 30 s, RFC 791's recommended reassembly timeout 15 s).
    static let fragmentWindow: Int64 = 60_000_000_000

    /// Extracts the connections `options.selection` chooses from `paths` (read as one trace, ordered by their
    /// first timestamp) into `output`: classic pcap when its name ends in `.pcap` and the chosen frames have
    /// one link type, pcapng otherwise. No connection chosen: a valid capture without packets.
    /// - Throws: `ExtractError.input` for an input that cannot be read (`-` included: it cannot be read
    ///   twice), `.output` when `output` cannot be written. A capture damaged part-way is not an error: what
    ///   was read before the damage is written, and the result's input summary says so.
    public static func extract(
        paths: [String], options: AnalysisOptions, to output: String
    ) throws(ExtractError) -> ExtractResult {
        guard !paths.contains("-") else {
            throw .input(.unreadable(path: "-", reason: "extract reads its input twice: give a file"))
        }
        do throws(CaptureWriteError) { try CaptureWriter.checkWritable(output) } catch { throw .output(error) }
        var progress = ExtractProgress(paths: paths, callback: options.progress)
        let chosen: Chosen
        do throws(CaptureError) { chosen = try choose(paths: paths, options: options, &progress) } catch {
            throw .input(error)
        }
        var result = ExtractResult()
        result.connections = chosen.ids.count
        result.ids = chosen.ids
        result.traceConnections = chosen.total
        let format = chosen.format(for: output)
        result.format = format.isPCAP ? .pcap : .pcapng
        if output.hasSuffix(".pcap") && !format.isPCAP {
            result.notes.append(
                "the chosen frames have several link types (\(chosen.linkTypes.map(\.name).joined(separator: ", "))): "
                    + "\(output) is written as pcapng")
        }
        let writer: CaptureWriter
        do throws(CaptureWriteError) { writer = try CaptureWriter(path: output, format: format) } catch {
            throw .output(error)
        }
        do throws(ExtractError) {
            // Nothing chosen: the file has no packets, and the first reading said all there is to say.
            if chosen.ids.isEmpty {
                result.input = chosen.summary
            } else {
                try write(chosen, paths: chosen.ordered, options: options, into: writer, &result, &progress)
            }
        } catch {
            try? writer.close()
            throw error
        }
        do throws(CaptureWriteError) { try writer.close() } catch { throw .output(error) }
        return result
    }

    // MARK: First reading

    /// What the first reading found: the chosen ids, the files in reading order, and the link types and
    /// precision of the chosen connections' frames.
    struct Chosen {
        var ids: Set<Int> = []
        /// The first reading's summary (what the second would find again).
        var summary = CaptureSummary()
        /// Connections in the whole trace (the highest id).
        var total = 0
        var ordered: [String] = []
        /// The distinct (link type, precision) of the input's interfaces, and the largest snap length of each.
        var kinds: [(linkType: LinkType, nanosecond: Bool, snapLength: Int)] = []
        /// Bit `i`: a chosen connection has a frame on an interface of `kinds[i]` (bit 15: the 16th kind or
        /// later, which are not told apart).
        var mask: UInt16 = 0

        var chosenKinds: [(linkType: LinkType, nanosecond: Bool, snapLength: Int)] {
            kinds.indices.filter { mask & (1 << UInt16(min($0, 15))) != 0 }.map { kinds[$0] }
        }

        var linkTypes: [LinkType] {
            chosenKinds.map(\.linkType).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        }

        /// Classic pcap when the name ends in `.pcap` and one link type was chosen (or none: the input's
        /// first), with nanoseconds when any chosen interface has them; pcapng otherwise.
        func format(for output: String) -> CaptureWriter.Format {
            let kinds = chosenKinds.isEmpty ? Array(self.kinds.prefix(1)) : chosenKinds
            guard output.hasSuffix(".pcap"), let first = kinds.first,
                kinds.allSatisfy({ $0.linkType == first.linkType })
            else { return .pcapng }
            return .pcap(
                linkType: first.linkType, snapLength: kinds.map(\.snapLength).max() ?? 0,
                nanosecond: kinds.contains { $0.nanosecond })
        }

        /// The index in `kinds` of `interface`, added when new.
        mutating func kind(of interface: SourceInterface) -> Int {
            if let i = kinds.firstIndex(where: {
                $0.linkType == interface.linkType && $0.nanosecond == interface.nanosecond
            }) {
                kinds[i].snapLength = max(kinds[i].snapLength, interface.snapLength)
                return i
            }
            kinds.append((interface.linkType, interface.nanosecond, interface.snapLength))
            return kinds.count - 1
        }
    }

    /// The first reading: every connection analysed, those the selection chooses kept by id. Per open
    /// connection it keeps the kinds of interface its frames came on, forgotten when it is finalized.
    static func choose(
        paths: [String], options: AnalysisOptions, _ progress: inout ExtractProgress
    ) throws(CaptureError) -> Chosen {
        var chosen = Chosen()
        var summary = CaptureSummary()
        chosen.ordered = try TraceReader.order(paths, summary: &summary)
        var tracker = Tracker(options: options.tracker)
        let settings = options.readSettings(tunnels: tracker.tunnels)
        let selection = options.selection
        var open: [Int: UInt16] = [:]
        var frame = 0
        func take(_ c: Connection) {
            let mask = open.removeValue(forKey: c.id) ?? 0
            if selection.selects(c) {
                chosen.ids.insert(c.id)
                chosen.mask |= mask
            }
        }
        for (index, path) in chosen.ordered.enumerated() {
            let capture = try CaptureFile(path: path)
            var lastSource = -1
            var lastBit: UInt16 = 0
            // (The body throws nothing: only writing does.)
            try? TraceReader.readFrames(
                capture, path: path, fileIndex: index, frame: &frame, summary: &summary, settings: settings,
                tracker: &tracker
            ) { tracker, visit, _ in
                progress.frame(visit, bytesRead: capture.bytesRead, tracker: tracker)
                if visit.source != lastSource {
                    lastSource = visit.source
                    lastBit = 1 << UInt16(min(chosen.kind(of: visit.interface), 15))
                }
                // (A late segment's connection is already finalized: taken, or not, without it.)
                if visit.connection > 0 && !visit.isLate {
                    open[visit.connection, default: 0] |= lastBit
                    chosen.total = max(chosen.total, visit.connection)
                }
                if tracker.hasFinalized { tracker.drainFinalized(recycling: true) { take($0) } }
                for id in tracker.drainDropped() { open[id] = nil }
            }
            progress.earlierBytes += capture.bytesRead
        }
        tracker.finish { take($0) }
        chosen.summary = summary
        return chosen
    }

    // MARK: Second reading

    /// Opens an input again for the second reading.
    private static func open(_ path: String) throws(ExtractError) -> CaptureFile {
        do throws(CaptureError) { return try CaptureFile(path: path) } catch { throw .input(error) }
    }

    /// The second reading: the trace tracked again, the chosen connections' frames written as they come.
    static func write(
        _ chosen: Chosen, paths: [String], options: AnalysisOptions, into writer: CaptureWriter,
        _ result: inout ExtractResult, _ progress: inout ExtractProgress
    ) throws(ExtractError) {
        var summary = CaptureSummary()
        var tracker = Tracker(options: options.tracker)
        let settings = options.readSettings(tunnels: tracker.tunnels)
        var pcapLinkType: LinkType?
        if case .pcap(let linkType, _, _) = writer.format { pcapLinkType = linkType }
        var chosenFrames = ChosenFrames(ids: chosen.ids, window: fragmentWindow)
        var otherLinkType = 0
        var frame = 0
        for (index, path) in paths.enumerated() {
            let capture = try open(path)
            do throws(CaptureWriteError) {
                try TraceReader.readFrames(
                    capture, path: path, fileIndex: index, frame: &frame, summary: &summary, settings: settings,
                    tracker: &tracker
                ) { (tracker, visit, bytes) throws(CaptureWriteError) in
                    progress.frame(visit, bytesRead: capture.bytesRead, tracker: tracker)
                    // Finalized connections are not needed here: only their ids, which the first reading chose.
                    if tracker.hasFinalized { tracker.drainFinalized(recycling: true) { _ in } }
                    _ = tracker.drainDropped()
                    guard let kind = chosenFrames.kind(of: visit, bytes) else { return }
                    if let pcapLinkType, visit.interface.linkType != pcapLinkType {
                        otherLinkType += 1
                        return
                    }
                    try writer.write(
                        bytes, record: visit.record, source: visit.source, interface: visit.interface,
                        frame: visit.number)
                    result.frames += 1
                    switch kind {
                    case .segment: if visit.isLate { result.lateSegments += 1 }
                    case .fragment: result.fragments += 1
                    case .icmpError: result.icmpErrors += 1
                    }
                }
            } catch {
                throw .output(error)
            }
            progress.earlierBytes += capture.bytesRead
        }
        tracker.finish { _ in }
        if otherLinkType > 0 {
            result.notes.append(
                "\(otherLinkType) frame(s) of the chosen connections (late segments, fragments, ICMP errors) have "
                    + "another link type than the pcap output's: left out (write pcapng to keep them)")
        }
        result.input = summary
    }
}

extension CaptureWriter.Format {
    var isPCAP: Bool {
        if case .pcap = self { return true }
        return false
    }
}
