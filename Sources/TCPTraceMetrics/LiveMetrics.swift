import Prometheus
import TCPTrace

/// The Prometheus metrics of `live --metrics-listen` (docs/live.md, "Prometheus metrics"), fed by the capture
/// loop and read by the HTTP endpoint through `registry`.
///
/// Only the capture thread calls the methods here; what it touches that a scrape also reads are the
/// registry's counters and gauges (atomics) and the histogram (a lock held for one observation). Nothing
/// here waits for the endpoint, so a slow or stuck scraper cannot hold up the capture.
public final class LiveMetrics {
    /// Hosts given their own series in the per-host gauges; the totals count every host.
    public static let hostsShown = 20
    /// Handshake round trips from a loopback (tens of µs) to a long WAN path or a retransmitted SYN (seconds).
    public static let rttBuckets: [Double] = [
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    public let registry = PrometheusCollectorRegistry()

    private var handshakes: [HandshakeOutcome: Counter] = [:]
    private var closes: [CloseKind: Counter] = [:]
    private var findings: [FindingKey: Counter] = [:]
    private let packets: Counter
    private let segments: Counter
    private let received: Counter
    private let droppedByKernel: Counter
    private let droppedByInterface: Counter
    private let openTotal: Gauge
    private let timeWaitTotal: Gauge
    private let rtt: ValueHistogram

    private var hosts: HostStates
    private var openShown: [IPAddress: Gauge] = [:]
    private var timeWaitShown: [IPAddress: Gauge] = [:]
    /// What was counted into the counters so far (they only take increments).
    private var packetsCounted = 0
    private var segmentsCounted = 0
    private var lastStatistics: (received: UInt32, kernel: UInt32, interface: UInt32) = (0, 0, 0)

    private struct FindingKey: Hashable {
        var code: FindingCode
        var severity: Severity
    }

    /// `tcptrace_NAME_UNIT` with its help line.
    private static func metric(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tcptrace", metricName: name, unitName: unit, helpText: help)
    }

    private static var findingsName: MetricNameDescriptor {
        metric("findings", unit: "total", "Findings raised, by code and severity.")
    }
    private static var hostOpenName: MetricNameDescriptor {
        metric("host_open_connections", "Open connections whose server is this host (the 20 hosts with the most).")
    }
    private static var hostTimeWaitName: MetricNameDescriptor {
        metric("host_time_wait_connections", "4-tuples in TIME_WAIT held by this host (the 20 hosts with the most).")
    }

    /// `msl`: the `--msl` of the run; TIME_WAIT lasts 2·MSL.
    public init(msl: Double) {
        hosts = HostStates(msl: msl)
        let connections = LiveMetrics.metric(
            "connections", unit: "total", "Connections by handshake outcome, counted when the outcome is known.")
        for outcome in HandshakeOutcome.allCases {
            handshakes[outcome] = registry.makeCounter(
                descriptor: connections, labels: [("handshake", outcome.rawValue)])
        }
        let closed = LiveMetrics.metric(
            "connections_closed", unit: "total", "Connections by how they ended, when they close or are finalized.")
        for kind in CloseKind.allCases {
            closes[kind] = registry.makeCounter(descriptor: closed, labels: [("close", kind.rawValue)])
        }
        packets = registry.makeCounter(
            descriptor: LiveMetrics.metric("packets", unit: "total", "Packets captured and read."))
        segments = registry.makeCounter(
            descriptor: LiveMetrics.metric("segments", unit: "total", "TCP segments decoded and tracked."))
        received = registry.makeCounter(
            descriptor: LiveMetrics.metric(
                "pcap_received_packets", unit: "total",
                "libpcap: packets that passed the capture filter (on Linux lo, each packet twice)."))
        let dropped = LiveMetrics.metric(
            "pcap_dropped_packets", unit: "total",
            "libpcap: packets dropped by the kernel (no room in the capture buffer) or by the interface.")
        droppedByKernel = registry.makeCounter(descriptor: dropped, labels: [("by", "kernel")])
        droppedByInterface = registry.makeCounter(descriptor: dropped, labels: [("by", "interface")])
        openTotal = registry.makeGauge(
            descriptor: LiveMetrics.metric(
                "open_connections", "Connections whose handshake has an outcome, not closed yet."))
        timeWaitTotal = registry.makeGauge(
            descriptor: LiveMetrics.metric(
                "time_wait_connections", "4-tuples in TIME_WAIT (2*MSL from its start), per holding host."))
        rtt = registry.makeValueHistogram(
            descriptor: LiveMetrics.metric(
                "handshake_rtt", unit: "seconds",
                "Handshake round trip seen from the capture point: SYN to the ACK of the SYN-ACK."),
            buckets: LiveMetrics.rttBuckets)
    }

    /// One live event, as `LiveMonitor` emits it.
    public func observe(_ event: LiveEvent) {
        let c = event.connection
        switch event.kind {
        case .opened:
            handshakes[c.handshakeOutcome]?.increment()
            if let seconds = c.handshakeRTT { rtt.record(seconds) }
        case .finding:
            if let f = event.finding { count(f) }
        case .closed:
            closes[c.closeKind]?.increment()
        }
        hosts.observe(event)
        openTotal.set(Int64(hosts.open.total))
        timeWaitTotal.set(Int64(hosts.timeWait.total))
    }

    private func count(_ f: Finding) {
        let key = FindingKey(code: f.code, severity: f.severity)
        if let counter = findings[key] { return counter.increment() }
        let counter = registry.makeCounter(
            descriptor: LiveMetrics.findingsName,
            labels: [("code", f.code.rawValue), ("severity", f.severity.rawValue)])
        findings[key] = counter
        counter.increment()
    }

    /// The monitor's running totals after a packet: packets read and TCP segments tracked.
    public func captured(packets: Int, segments: Int) {
        if packets > packetsCounted {
            self.packets.increment(by: Int64(packets - packetsCounted))
            packetsCounted = packets
        }
        if segments > segmentsCounted {
            self.segments.increment(by: Int64(segments - segmentsCounted))
            segmentsCounted = segments
        }
    }

    /// libpcap's counters (`pcap_stats`), cumulative since the capture opened; 32-bit, so they may wrap, and a
    /// wrap is counted forward.
    public func kernel(_ stats: LiveStatistics) {
        let last = lastStatistics
        received.increment(by: Int64(stats.received &- last.received))
        droppedByKernel.increment(by: Int64(stats.droppedByKernel &- last.kernel))
        droppedByInterface.increment(by: Int64(stats.droppedByInterface &- last.interface))
        lastStatistics = (stats.received, stats.droppedByKernel, stats.droppedByInterface)
    }

    /// Connections dropped from memory at `--max-connections` (`LiveMonitor.drainDropped()`).
    public func dropped(_ ids: [Int]) {
        for id in ids { hosts.dropped(id) }
        openTotal.set(Int64(hosts.open.total))
    }

    /// Moves capture time (a quiet interface) and refreshes the per-host gauges: the 20 hosts with the most
    /// get a series each; a host that leaves the 20 loses its series. Called about once a second.
    public func publish(now: Timestamp) {
        hosts.advance(to: now)
        openTotal.set(Int64(hosts.open.total))
        timeWaitTotal.set(Int64(hosts.timeWait.total))
        show(hosts.open, in: &openShown, as: LiveMetrics.hostOpenName)
        show(hosts.timeWait, in: &timeWaitShown, as: LiveMetrics.hostTimeWaitName)
    }

    private func show(_ tally: HostTally, in shown: inout [IPAddress: Gauge], as name: MetricNameDescriptor) {
        let top = tally.top(LiveMetrics.hostsShown)
        let keep = Set(top.map(\.host))
        for (host, gauge) in shown where !keep.contains(host) {
            registry.unregisterGauge(gauge)
            shown[host] = nil
        }
        for (host, count) in top {
            let gauge =
                shown[host]
                ?? registry.makeGauge(descriptor: name, labels: [("host", host.description)])
            shown[host] = gauge
            gauge.set(Int64(count))
        }
    }
}
