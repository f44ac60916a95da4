import ArgumentParser
import Foundation
import TCPTrace
import TCPTraceMetrics

/// Set from the SIGINT/SIGTERM handler; read by the capture loop (which wakes at least every 100 ms).
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Watch an interface and print each connection's handshake, close and findings as they happen.",
        discussion: """
            Stops on SIGINT/SIGTERM, --duration or --count, then finishes every connection where it is and prints \
            the summary. Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 usage error, bad interface or \
            filter or --metrics-listen address, 4 permission denied (needs CAP_NET_RAW).
            """
    )

    @Option(name: .shortAndLong, help: "Interface to capture on (see `tcptrace-swift interfaces`).")
    var interface: String

    @Argument(help: "Capture filter, as tcpdump takes it (e.g. tcp port 8080).")
    var filter: [String] = []

    @Option(help: "Bytes kept of each packet; the default holds every header.")
    var snaplen = 256

    @Flag(inversion: .prefixedNo, help: "Put the interface in promiscuous mode.")
    var promisc = true

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "Stop after this many packets.")
    var count: Int?

    @Option(help: "Also save the raw packets to this pcap file.")
    var write: String?

    @Option(help: "Event format: text or jsonl.")
    var format: LiveFormat = .text

    @Option(help: "Finalize and forget a connection silent this many seconds.")
    var idleTimeout: Double = 300

    @OptionGroup var lifetime: LifetimeOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    @Option(help: "Most connections held in memory at once (the oldest half-open attempts go first).")
    var maxConnections = 100_000

    @Option(help: "Drop privileges to this user once the capture is open (like tcpdump -Z).")
    var user: String?

    @OptionGroup var failure: FailOnOption<FailOnHelp>

    @Option(
        name: .customLong("metrics-listen"),
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9464, [::1]:9464).",
            valueName: "address:port"),
        transform: { value in
            do { return try MetricsAddress(parsing: value) } catch { throw ValidationError("\(error)") }
        })
    var metricsListen: MetricsAddress?

    enum LiveFormat: String, ExpressibleByArgument { case text, jsonl }

    enum FailOnHelp: HelpText {
        static var text: ArgumentHelp {
            "Exit 1 when a finding of this severity or higher was raised."
        }
    }

    func validate() throws {
        guard snaplen >= 68 && snaplen <= 262_144 else { throw ValidationError("--snaplen must be 68...262144") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        guard idleTimeout > 0, maxConnections > 0 else {
            throw ValidationError("--idle-timeout and --max-connections must be positive")
        }
    }

    func run() throws {
        // Bound before the capture opens, so that a bad address is the first and only error.
        var metrics: LiveMetrics?
        var server: MetricsServer?
        if let metricsListen {
            metrics = LiveMetrics(msl: lifetime.msl)
            server = try startMetricsServer(metricsListen, metrics: metrics!)
        }
        defer { server?.stop() }
        let capture = try openCapture()
        if let user { try dropPrivileges(to: user) }
        guard capture.linkType.isSupported else {
            printError("tcptrace-swift: \(interface): unsupported link type \(capture.linkType.name)")
            throw ExitCode(ExitStatus.badInput)
        }
        printError(capture.listeningLine)
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        var liveOptions = LiveOptions(tracker: trackerOptions, idleTimeout: idleTimeout)
        liveOptions.tunnelPorts = tunnelPorts.ports
        var monitor = LiveMonitor(
            options: liveOptions,
            linkType: capture.linkType, interface: interface)
        let emit: (LiveEvent) -> Void = { event in
            self.emit(event)
            metrics?.observe(event)
        }
        let packets = watch(capture, with: &monitor, metrics: metrics, emit: emit)
        printSummary(&monitor, capture: capture, packets: packets, emit: emit)
        try failure.check(monitor.findingCounts.keys.map(\.severity).max())
    }

    private var trackerOptions: TrackerOptions {
        TrackerOptions(
            msl: lifetime.msl, maxHalfOpen: min(maxConnections, 100_000), maxConnections: maxConnections,
            closeWaitThreshold: lifetime.closeWaitThreshold)
    }

    private func openCapture() throws -> LiveCapture {
        let expression = filter.joined(separator: " ")
        do {
            return try LiveCapture(
                interface: interface, snapLength: snaplen, promiscuous: promisc,
                filter: expression.isEmpty ? nil : expression, writeTo: write)
        } catch {
            printError("tcptrace-swift: \(error)")
            if case .permissionDenied = error { throw ExitCode(ExitStatus.permissionDenied) }
            throw ExitCode(ExitStatus.badInput)
        }
    }

    private func startMetricsServer(_ address: MetricsAddress, metrics: LiveMetrics) throws -> MetricsServer {
        do {
            return try MetricsServer(address: address, metrics: metrics)
        } catch {
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
    }

    /// One line per event, visible at once even through a pipe.
    private func emit(_ event: LiveEvent) {
        print(format == .text ? LiveEventReport.text(event) : LiveEventReport.json(event))
        fflush(nil)
    }

    /// Feeds the monitor until SIGINT/SIGTERM, --duration, --count or a capture error; returns the packets
    /// captured.
    private func watch(
        _ capture: borrowing LiveCapture, with monitor: inout LiveMonitor, metrics: LiveMetrics?,
        emit: (LiveEvent) -> Void
    ) -> Int {
        let started = Date()
        var lastPublish = started
        var packets = 0
        var capWarned = false
        var lastPacketTime: Timestamp?
        loop: while stopRequested == 0 {
            if let duration, Date().timeIntervalSince(started) >= duration { break }
            if let count, packets >= count { break }
            // Once a second: connections dropped at the cap, libpcap's counters, the per-host gauges.
            if let metrics, Date().timeIntervalSince(lastPublish) >= 1 {
                lastPublish = Date()
                metrics.dropped(monitor.drainDropped())
                if let stats = capture.statistics() { metrics.kernel(stats) }
                metrics.publish(now: Timestamp(nanoseconds: Int64(lastPublish.timeIntervalSince1970 * 1e9)))
            }
            switch capture.next({ record, bytes in
                packets += 1
                lastPacketTime = record.timestamp
                monitor.packet(record, bytes: bytes, emit: emit)
                metrics?.captured(packets: packets, segments: monitor.summary.tcpSegments)
            }) {
            case .packet:
                if !capWarned && monitor.tracker.evictedHalfOpen + monitor.tracker.evictedOther > 0 {
                    capWarned = true
                    printError(
                        "warning: more than \(maxConnections) connections (or \(min(maxConnections, 100_000)) "
                            + "half-open attempts) at once: the oldest attempts, then the oldest connections, are "
                            + "dropped from memory and counted in the summary (--max-connections)")
                }
                continue
            case .timeout:
                // A quiet interface still ages connections: advance by wall-clock time since the last packet.
                if let last = lastPacketTime {
                    monitor.tick(now: Timestamp(nanoseconds: last.nanoseconds), emit: emit)
                }
                monitor.tick(now: Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)), emit: emit)
            case .error(let reason):
                printError("tcptrace-swift: \(interface): capture stopped: \(reason)")
                break loop
            }
        }
        return packets
    }

    /// Finishes every connection where it is and prints the summary.
    private func printSummary(
        _ monitor: inout LiveMonitor, capture: borrowing LiveCapture, packets: Int, emit: (LiveEvent) -> Void
    ) {
        let end = Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
        let held =
            "held in memory at the end: \(monitor.tracker.liveConnections) connection(s), "
            + "\(monitor.tracker.timeWaitRecordCount) TIME_WAIT record(s)"
        let analysis = monitor.finish(at: end, emit: emit)
        let stats = capture.statistics()
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        switch format {
        case .text:
            print("")
            print(TextReport.render(analysis), terminator: "")
            print(
                "live: \(monitor.connectionsSeen) connection(s) seen (the table lists the last "
                    + "\(LiveMonitor.finishedKept) at most), \(packets) packet(s) captured; " + held)
            if let stats { print(Live.kernelCounts(stats, interface: interface)) }
        case .jsonl:
            print(
                LiveEventReport.summary(
                    connections: monitor.connectionsSeen, packets: packets,
                    findings: monitor.findingCounts, statistics: stats))
        }
    }

    /// The line on libpcap's counters (`pcap_stats`), which are the kernel's and count other things than
    /// "captured": every packet that passed the capture filter, including those still queued when the capture
    /// stopped, and on Linux's loopback each packet twice (the socket sees it leave and arrive; libpcap keeps
    /// the arriving copy).
    static func kernelCounts(_ stats: LiveStatistics, interface: String) -> String {
        let loopback = interface == "lo" || interface.hasPrefix("lo:")
        return "kernel: \(stats.received) received by filter (packets that passed the capture filter, queued or not "
            + "read yet included" + (loopback ? "; on lo each packet twice, as it is sent and as it arrives" : "")
            + "), \(stats.droppedByKernel) dropped by kernel (no room in the capture buffer), "
            + "\(stats.droppedByInterface) dropped by interface"
    }

    private func dropPrivileges(to name: String) throws {
        guard let entry = getpwnam(name) else {
            printError("tcptrace-swift: --user \(name): no such user")
            throw ExitCode(ExitStatus.badInput)
        }
        guard setgroups(0, nil) == 0, setgid(entry.pointee.pw_gid) == 0, setuid(entry.pointee.pw_uid) == 0 else {
            printError("tcptrace-swift: --user \(name): cannot drop privileges: \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.permissionDenied)
        }
    }
}
