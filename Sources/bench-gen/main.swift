import Foundation
import PcapSynth

// Writes large, realistic captures for the benchmark (scripts/benchmark.sh) with the project's own pcap
// writer, streaming to disk, plus the ground truth of what it wrote (NAME.truth.json).
//
//   bench-gen OUT.pcap --connections N --segments S --concurrency C --rate R --ipv6 F --anomalies F --seed X
//             [--payload B]
//
// Each connection: SYN, SYN-ACK, ACK, then S-7 data/ACK segments alternating (B-byte data from the client,
// 1448 unless given, on even steps, pure ACKs back), then a four-way close started by the client. C
// connections are open at once and their packets interleave; a new connection starts every 1/R s of capture
// time. A share F of connections carries an injected anomaly, chosen in turn: a RST instead of the close
// (reset), a retransmitted first SYN (syn-retransmit), a retransmitted FIN (fin-retransmit), or no close at
// all (not-closed).

let usage = """
    usage: bench-gen OUT.pcap [--connections N] [--segments S] [--concurrency C] [--rate R] [--ipv6 F]
                     [--anomalies F] [--seed X] [--payload B]

    """

/// Stops with the usage on standard error and exit status 2 (a bad option or value: nothing is written).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("bench-gen: " + message + "\n" + usage).utf8))
    exit(2)
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    var sawOutput = false
    while let a = args.popFirst() {
        func value<T: LosslessStringConvertible>(_: T.Type) -> T {
            guard let text = args.popFirst() else { fail("\(a) needs a value") }
            guard let v = T(text) else { fail("\(a): '\(text)' is not a valid value") }
            return v
        }
        switch a {
        case "--connections": o.connections = max(0, value(Int.self))
        case "--segments": o.segments = max(8, value(Int.self))
        case "--concurrency": o.concurrency = max(1, value(Int.self))
        case "--rate": o.rate = value(Double.self)
        case "--ipv6": o.ipv6Share = value(Double.self)
        case "--anomalies": o.anomalies = value(Double.self)
        case "--seed": o.seed = value(UInt64.self)
        case "--payload": o.payload = min(1448, max(1, value(Int.self)))
        case "-h", "--help":
            print(usage, terminator: "")
            exit(0)
        default:
            // (An unknown option was taken for the output's name: `bench-gen --help` wrote a file called `--help`.)
            if a.hasPrefix("-") { fail("unknown option \(a)") }
            if sawOutput { fail("more than one output file: \(o.output) and \(a)") }
            o.output = a
            sawOutput = true
        }
    }
    if !sawOutput { fail("no output file") }
    return o
}

var options = parse()
var rng = options.seed | 1
@MainActor func nextRandom() -> UInt64 {
    rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27; return rng &* 2_685_821_657_736_338_717
}

let payload = [UInt8](repeating: 0x61, count: options.payload)
var sink = Sink(path: options.output)
var active: [Flow] = []
var started = 0
var clock: Int64 = 1_700_000_000_000_000_000
let spacing = Int64(1e9 / options.rate)
var nextStart = clock
var truth: [String: Int] = [:]
var anomalyTurn = 0

@MainActor func address(_ i: Int, v6: Bool, client: Bool) -> String {
    if v6 { return client ? "fd00:1::\(String(i >> 16, radix: 16)):\(String(i & 0xffff, radix: 16))" : "fd00:2::1" }
    return client ? "10.\(i >> 16 & 0xff).\(i >> 8 & 0xff).\(i & 0xff)" : "192.0.2.1"
}

/// Emits the flow's next packet; returns false when the flow is done.
@MainActor func emit(_ f: inout Flow, at t: Int64) -> Bool {
    typealias F = PacketBuilder.Flag
    let total = options.segments
    var fromClient = true, flags: UInt16 = F.ack, len = 0, seq: UInt32 = 0, ack: UInt32 = 0
    let closeStart = total - 4
    switch f.step {
    case 0: flags = F.syn; seq = f.clientSeq
    case 1 where f.anomaly == .synRetransmit: flags = F.syn; seq = f.clientSeq
    case _ where f.step == 1 || (f.step == 2 && f.anomaly == .synRetransmit):
        fromClient = false; flags = F.syn | F.ack; seq = f.serverSeq; ack = f.clientSeq &+ 1
    default:
        let s = f.step - (f.anomaly == .synRetransmit ? 3 : 2)  // 0 = the third ACK
        if s == 0 {
            seq = f.clientSeq &+ 1; ack = f.serverSeq &+ 1
        } else if s < closeStart - 1 {
            let dataIndex = (s - 1) / 2
            let isData = (s - 1) % 2 == 0
            fromClient = isData
            seq = isData ? f.clientSeq &+ 1 &+ UInt32(dataIndex * options.payload) : f.serverSeq &+ 1
            ack = isData ? f.serverSeq &+ 1 : f.clientSeq &+ 1 &+ UInt32((dataIndex + 1) * options.payload)
            if isData { len = options.payload; flags = F.ack | F.psh }
        } else {
            if f.anomaly == .notClosed { return false }
            let dataBytes = UInt32(((closeStart - 2) / 2) * options.payload)
            let cFin = f.clientSeq &+ 1 &+ dataBytes, sFin = f.serverSeq &+ 1
            let c = s - (closeStart - 1)
            if f.anomaly == .reset {
                if c > 0 { return false }
                flags = F.rst | F.ack; seq = cFin; ack = sFin
            } else {
                let steps: [(Bool, UInt16, UInt32, UInt32)] =
                    f.anomaly == .finRetransmit
                    ? [
                        (true, F.fin | F.ack, cFin, sFin), (true, F.fin | F.ack, cFin, sFin),
                        (false, F.ack, sFin, cFin &+ 1),
                        (false, F.fin | F.ack, sFin, cFin &+ 1), (true, F.ack, cFin &+ 1, sFin &+ 1),
                    ]
                    : [
                        (true, F.fin | F.ack, cFin, sFin), (false, F.ack, sFin, cFin &+ 1),
                        (false, F.fin | F.ack, sFin, cFin &+ 1), (true, F.ack, cFin &+ 1, sFin &+ 1),
                    ]
                guard c < steps.count else { return false }
                (fromClient, flags, seq, ack) = steps[c]
            }
        }
    }
    let tcp = PacketBuilder.tcp(
        sourcePort: fromClient ? 40000 : 80, destinationPort: fromClient ? 80 : 40000,
        seq: seq, ack: ack, flags: flags, window: 65535,
        options: flags & F.syn != 0 ? PacketBuilder.Option.mss(1460) : [],
        payload: len > 0 ? payload : [])
    let c = address(f.index, v6: f.v6, client: true), s = address(f.index, v6: f.v6, client: false)
    let ip =
        f.v6
        ? PacketBuilder.ipv6(source: fromClient ? c : s, destination: fromClient ? s : c, payload: tcp)
        : PacketBuilder.ipv4(source: fromClient ? c : s, destination: fromClient ? s : c, payload: tcp)
    sink.append(PacketBuilder.ethernet(ip, etherType: f.v6 ? 0x86DD : 0x0800), at: t)
    f.step += 1
    return true
}

while started < options.connections || !active.isEmpty {
    while active.count < options.concurrency && started < options.connections && nextStart <= clock {
        var anomaly = Anomaly.none
        if Double(nextRandom() % 1_000_000) / 1_000_000 < options.anomalies {
            anomaly = Anomaly.allCases[1 + anomalyTurn % 4]
            anomalyTurn += 1
        }
        let v6 = Double(nextRandom() % 1000) / 1000 < options.ipv6Share
        active.append(
            Flow(
                index: started, v6: v6, anomaly: anomaly, clientSeq: UInt32(truncatingIfNeeded: nextRandom()),
                serverSeq: UInt32(truncatingIfNeeded: nextRandom()), startTime: clock))
        switch anomaly {
        case .none: truth["four-way", default: 0] += 1
        case .reset: truth["reset", default: 0] += 1
        case .synRetransmit: truth["syn-retransmit", default: 0] += 1; truth["four-way", default: 0] += 1
        case .finRetransmit: truth["fin-retransmit", default: 0] += 1; truth["four-way", default: 0] += 1
        case .notClosed: truth["not-closed", default: 0] += 1
        }
        started += 1
        nextStart += spacing
    }
    if active.isEmpty { clock = max(clock, nextStart); continue }
    var i = 0
    while i < active.count {
        clock += 1_000  // 1 µs between packets
        if emit(&active[i], at: clock) { i += 1 } else { active.swapAt(i, active.count - 1); active.removeLast() }
    }
}
sink.flush()
truth["connections"] = options.connections
truth["packets"] = sink.packets
let json = "{" + truth.keys.sorted().map { "\"\($0)\": \(truth[$0]!)" }.joined(separator: ", ") + "}\n"
try json.write(
    toFile: options.output.replacingOccurrences(of: ".pcap", with: "") + ".truth.json", atomically: true,
    encoding: .utf8)
print(
    "wrote \(options.output): \(sink.packets) packets, \(options.connections) connections; truth: \(json)",
    terminator: "")
