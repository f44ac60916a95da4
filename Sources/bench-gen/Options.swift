import PcapSynth

struct Options {
    var output = "bench.pcap"
    var connections = 100_000
    var segments = 10
    var concurrency = 1000
    var rate = 1000.0
    var ipv6Share = 0.2
    var anomalies = 0.01
    var seed: UInt64 = 42
    /// Payload bytes of each data segment.
    var payload = 1448
}
