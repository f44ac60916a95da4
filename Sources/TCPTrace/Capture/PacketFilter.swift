internal import CPcap

/// A BPF expression in tcpdump's syntax, compiled by libpcap for each link type the trace has (a pcapng file's
/// interfaces can differ) and run on each packet's captured bytes with `pcap_offline_filter`, as tcpdump runs
/// it on a saved file. In a tunnel it sees the outer headers, as tcpdump does. It selects connections to show
/// (`--filter`): a connection is shown when any of its frames matches; the analysis still sees every frame.
///
/// Used by one thread at a time (the reading thread of a run): programs for new link types are compiled as
/// they appear.
public final class PacketFilter: @unchecked Sendable {
    public let expression: String
    private var programs: [LinkType: UnsafeMutablePointer<bpf_program>] = [:]
    /// Link types the expression does not compile for (`ether host` on raw IP), with libpcap's reason: no
    /// packet of theirs matches.
    public private(set) var failures: [LinkType: String] = [:]

    /// Compiles `expression` at once for the common link types (Ethernet first), so that a bad expression is a
    /// usage error before any output; one that compiles for none of them (`tcp port`) is refused with libpcap's
    /// message for Ethernet. One that compiles only for some (`wlan host …`, `ether host …`) is kept: the trace's
    /// own link types decide, and a link type it does not compile for gets a warning.
    /// - Throws: `PacketFilterError` with libpcap's message.
    public init(_ expression: String) throws(PacketFilterError) {
        self.expression = expression
        var first: String?
        for type in PacketFilter.probed {
            guard let reason = compile(for: type) else { return }
            first = first ?? reason
        }
        throw PacketFilterError(expression: expression, reason: first ?? "")
    }

    /// The link types a new expression is tried on: Ethernet, raw IP, Linux cooked (v1, v2), BSD loopback,
    /// 802.11 and 802.11 with radiotap.
    static let probed: [LinkType] = [1, 12, 113, 276, 0, 105, 127].map { LinkType(rawValue: $0) }

    deinit {
        for program in programs.values {
            pcap_freecode(program)
            program.deallocate()
        }
    }

    /// Whether the packet (`bytes` as captured, `originalLength` on the wire) matches.
    public func matches(_ bytes: UnsafeRawBufferPointer, originalLength: UInt32, linkType: LinkType) -> Bool {
        guard let program = programs[linkType] ?? compiled(for: linkType), let base = bytes.baseAddress else {
            return false
        }
        var header = pcap_pkthdr()
        header.caplen = UInt32(bytes.count)
        header.len = max(originalLength, UInt32(bytes.count))
        return pcap_offline_filter(program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }

    /// A link type met for the first time: compiled now (nil, and remembered in `failures`, when it cannot be).
    @inline(never)
    private func compiled(for linkType: LinkType) -> UnsafeMutablePointer<bpf_program>? {
        guard failures[linkType] == nil else { return nil }
        if let reason = compile(for: linkType) { failures[linkType] = reason }
        return programs[linkType]
    }

    /// Compiles for `linkType` into `programs`; libpcap's message when it fails.
    private func compile(for linkType: LinkType) -> String? {
        guard let pcap = pcap_open_dead(linkType.rawValue, 262_144) else { return "libpcap could not start" }
        defer { pcap_close(pcap) }
        let program = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        program.initialize(to: bpf_program())
        guard pcap_compile(pcap, program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            program.deallocate()
            return String(cString: pcap_geterr(pcap))
        }
        programs[linkType] = program
        return nil
    }
}

/// A `--filter` expression libpcap cannot compile.
public struct PacketFilterError: Error, CustomStringConvertible, Sendable {
    public let expression: String
    public let reason: String
    public var description: String { "bad filter '\(expression)': \(reason)" }
}
