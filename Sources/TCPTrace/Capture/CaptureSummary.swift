/// Counts over the whole trace: what was read and what the decoder made of it.
public struct CaptureSummary: Sendable {
    public var files: [InputFileSummary] = []
    public var packets = 0
    public var tcpSegments = 0
    public var nonTCP = 0
    /// Packets whose headers up to the TCP fixed header were cut by the snap length (not tracked).
    public var truncated = 0
    /// TCP segments tracked with their options cut by the snap length.
    public var optionsTruncated = 0
    public var malformed = 0
    /// Non-first IP fragments (skipped) and first fragments (tracked with the fragment's length).
    public var fragments = 0
    /// With `--verify-checksums` (nil without): segments whose IPv4 header or TCP checksum is wrong (counted,
    /// not used for state), and those that could not be checked (payload cut by the snap length, fragments).
    public var checksums: ChecksumCounts?
    /// TCP segments per link-level encapsulation they were unwrapped from (`Encapsulation.named` order; a
    /// segment inside two counts for both). Empty when none was.
    public var encapsulated: [Int] = []

    /// `[(name, segments)]` of the encapsulations seen.
    public var encapsulationCounts: [(name: String, segments: Int)] {
        encapsulated.indices.compactMap { i in
            encapsulated[i] > 0 ? (Encapsulation.named[i].1, encapsulated[i]) : nil
        }
    }
    /// Packets whose tunnel content was cut or impossible, per innermost tunnel kind (each also counted in
    /// `nonTCP`: the outer packet was well formed).
    public var damagedTunnels: [TunnelKind: TunnelDamage] = [:]
    /// Segments seen a second time on another interface of the capture (`CaptureDuplicates`): counted, not
    /// tracked.
    public var captureDuplicates = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// Human-readable warnings (files reordered or overlapping, damaged records).
    public var warnings: [String] = []
    /// Information that is not a problem (the order in which several files were read).
    public var notes: [String] = []
    /// The first `problemLimit` truncated or malformed packets.
    public var problems: [PacketProblem] = []

    public static let problemLimit = 100

    public init() {}

    public var linkTypes: [LinkType] {
        var seen: [LinkType] = []
        for file in files {
            for type in [file.linkType] + file.linkTypes where !seen.contains(type) { seen.append(type) }
        }
        return seen
    }

    public var isDamaged: Bool { files.contains { $0.damage != nil } }

    /// Counts what the decoder made of packet `frame`. Returns true when it is a TCP segment to track.
    /// (Inlined into the reading loop: a call took a 140-byte copy of the segment for every packet.)
    @inline(__always)
    mutating func count(_ status: DecodeStatus, segment: borrowing Segment, frame: Int) -> Bool {
        switch status {
        case .tcp:
            tcpSegments += 1
            if !segment.encapsulations.isEmpty { countEncapsulations(segment.encapsulations) }
            if segment.optionsTruncated { optionsTruncated += 1 }
            if segment.isFirstFragment { fragments += 1 }
            return true
        case .notTCP:
            nonTCP += 1
        case .fragment:
            fragments += 1
        case .truncated(let problem):
            truncated += 1
            keep(PacketProblem(frame: frame, problem: problem, isTruncation: true))
        case .malformed(let problem):
            malformed += 1
            keep(PacketProblem(frame: frame, problem: problem, isTruncation: false))
        case .damagedInTunnel(let kind, let problem, let truncated):
            countDamagedTunnel(kind, problem, truncated: truncated, frame: frame)
        }
        return false
    }

    /// Keeps `problem` among the first `problemLimit`.
    private mutating func keep(_ problem: PacketProblem) {
        if problems.count < CaptureSummary.problemLimit { problems.append(problem) }
    }

    @inline(never)
    private mutating func countDamagedTunnel(_ kind: TunnelKind, _ problem: DecodeProblem, truncated: Bool, frame: Int)
    {
        nonTCP += 1
        if truncated {
            damagedTunnels[kind, default: TunnelDamage()].truncated += 1
        } else {
            damagedTunnels[kind, default: TunnelDamage()].malformed += 1
        }
        keep(PacketProblem(frame: frame, problem: problem, isTruncation: truncated, tunnel: kind))
    }

    @inline(never)
    private mutating func countEncapsulations(_ kinds: Encapsulation) {
        if encapsulated.isEmpty { encapsulated = Array(repeating: 0, count: Encapsulation.named.count) }
        for (i, (kind, _)) in Encapsulation.named.enumerated() where kinds.contains(kind) { encapsulated[i] += 1 }
    }
}
