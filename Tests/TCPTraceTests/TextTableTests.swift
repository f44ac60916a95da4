import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Issue 22's readable output: the 120-column table, the selection, the time formats, the timeline, the
/// CLI details and `check --init`. Expected values come from the captures' bytes, cross-checked with tshark
/// (each test says how).
@Suite(.serialized) struct TextTableTests {
    /// Six real-kernel fixtures read as one trace; ids by first timestamp (the files' first packets are in
    /// this order): 1 close-3way (client port 41003), 2 refused (41006), 3 rst-client (41012), 4 ipv6-close
    /// (41016), 5 bulk-loss-mid (41018), 6 zero-window (41020).
    static let six = ["refused", "close-3way", "rst-client", "bulk-loss-mid", "ipv6-close", "zero-window"].map {
        fixture("\($0).pcap")
    }

    /// The ids of the table's rows.
    static func rowIDs(_ stdout: String) -> [Int] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }.compactMap {
            Int($0.prefix { $0 != " " && $0 != "*" })
        }
    }

    /// Every line of the default text output, for every fixture, fits 120 characters.
    @Test func everyLineOfEveryFixtureFits120Characters() throws {
        let root = packageRoot.appendingPathComponent("Fixtures")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(files.count > 70)
        for file in files {
            let a = try Analyzer.analyze(paths: [root.appendingPathComponent(file).path])
            let text = TextReport.render(a)
            for line in text.split(separator: "\n") {
                #expect(line.count <= 120, "\(file): \(line.count) characters: \(line)")
            }
        }
    }

    /// The lossy trace's table (also the closing note's example): each row's packets, handshake, close, end
    /// states and findings as the captures' bytes give them.
    @Test func tableOfTheSixFixtures() throws {
        let r = try runCLI(["analyze"] + Self.six)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 120 })
        // Packets per file from `tshark -r F | wc -l`: 10, 2, 8, 11, 374, 31. The refused connection is a SYN
        // and an RST,ACK 29 µs later (tshark frame.time_delta 0.000029); bulk-loss-mid's findings are those of
        // its expectation file (retransmission 4, fast-retransmission 1, lost-segment 5, duplicate-ack 15):
        // one warning code fits in the 33 characters left, then `+3`. zero-window: 1 retransmission, 3
        // zero windows, 3 probes, 6 window-full infos.
        let expected = [
            "ID     CLIENT                SERVER                PKTS   DUR    OPEN    CLOSE   STATE FINDINGS",
            "1      10.99.1.2:41003       10.99.2.2:8080        10     100ms  ok      3way/c  TW/CL -",
            "2      10.99.1.2:41006       10.99.2.2:8080        2      29us   refused rst/s   CL/CL refused",
            "3      10.99.1.2:41012       10.99.2.2:8080        8      101ms  ok      rst/c   CL/CL reset",
            "4      [fd00:99:1::2]:41016  [fd00:99:2::2]:8080   11     301ms  ok      4way/c  TW/CL -",
            "5      10.99.1.2:41018       10.99.2.2:8080        374    166ms  ok      4way/c  TW/CL retransmission×4, +3",
            "6      10.99.1.2:41020       10.99.2.2:8080        31     3.00s  ok      4way/c  TW/CL retransmission, "
                + "zero-window×3, +3",
        ]
        #expect(Array(lines.prefix(7).map(String.init)) == expected)
        // The totals: one line per severity, most severe first.
        // zero-window.pcap's client waits for the window from frame 7 (0.000191 s, the window full) to frame 17
        // (3.000301 s, the window update) less its loss recovery (frames 8 to 9, 36 ms): rwnd-limited, 99 %.
        // Then the five longest connections by duration (tshark: 3.000458, 0.301, 0.166, 0.101, 0.100 s).
        #expect(
            r.stdout.contains(
                "6 connection(s); findings:\n  error: refused 1\n  warning: reset 1, retransmission 5, "
                    + "fast-retransmission 1, zero-window 3, rwnd-limited 1\n  info: lost-segment 5, duplicate-ack 15, "
                    + "zero-window-probe 3, window-full 6\nslowest:\n  6 3.00s: receiver window limited 99 % of the "
                    + "client's transfer time (2.96s): the reader did not keep up\n  4 301ms: "))
        #expect(
            r.stdout.split(separator: "\n").suffix(5).map { $0.split(separator: " ")[0] } == ["6", "4", "5", "3", "1"])
        // --wide keeps every instance with its frame.
        let wide = try runCLI(["analyze", "--wide"] + Self.six)
        #expect(wide.stdout.contains("refused@12"))
        #expect(wide.stdout.contains("zero-window@"))
    }

    /// Many connections: 2,000 client-closed connections of 10 packets each (tshark -z conv,tcp: 2000
    /// conversations, 10 frames each; 4000 FINs, no RST), one row each, every line within 120 characters.
    @Test func manyConnectionsTable() throws {
        let r = try runCLI(["analyze", fixture("tw-churn-client-closes.pcap")])
        #expect(r.status == 0)
        let rows = r.stdout.split(separator: "\n").dropFirst().prefix { !$0.hasPrefix("capture ") }
        #expect(rows.count == 2000)
        #expect(r.stdout.split(separator: "\n").allSatisfy { $0.count <= 120 })
        for row in rows {
            let cells = row.split(separator: " ")
            #expect(Array(cells[3...]).filter { !$0.hasSuffix("s") } == ["10", "ok", "3way/c", "TW/CL", "-"])
        }
        #expect(Self.rowIDs(r.stdout) == Array(1...2000))
    }

    /// A long IPv6 address loses whole groups in the middle to fit its 21 columns; `--wide` and JSON keep it.
    @Test func longIPv6AddressesAreCutInTheMiddle() throws {
        var f = FlowScript(
            client: "2001:db8:85a3:1234:5678:8a2e:370:7334", clientPort: 40000,
            server: "2001:db8:85a3:1234:5678:8a2e:370:1", serverPort: 443)
        f.handshake()
        f.data(.client, 100)
        f.fin(.client)
        let path = try temporaryFile(f.bytes)
        let r = try runCLI(["analyze", path])
        // `[2001:…:7334]:40000`: 21 columns less `[`, `]` and `:40000` leave 13; two groups and `:…:` take 11, a
        // third (`db8` or `370`) would take 15. The server's `:443` leaves 15: `2001:db8:…:1` (12), not
        // `2001:db8:…:370:1` (16).
        #expect(r.stdout.contains("1      [2001:…:7334]:40000   [2001:db8:…:1]:443    "))
        #expect(r.stdout.split(separator: "\n").allSatisfy { $0.count <= 120 })
        let wide = try runCLI(["analyze", "--wide", path])
        #expect(wide.stdout.contains("[2001:db8:85a3:1234:5678:8a2e:370:7334]:40000"))
        let json = try runCLI(["analyze", "--format", "jsonl", path])
        #expect(json.stdout.contains("\"address\":\"2001:db8:85a3:1234:5678:8a2e:370:7334\""))
        // A `::` is never cut in half: `fe80::1234` would take 17 of the 13 columns left, so the head stays
        // `fe80` (RFC 5952 form of fe80:0:0:0:1234:5678:9abc:def0).
        var local = FlowScript(
            client: "fe80::1234:5678:9abc:def0", clientPort: 54321, server: "fe80::1", serverPort: 22)
        local.handshake()
        let a = try analyze(local.bytes)
        #expect(
            TextReport.row(try #require(a.connections.first)).hasPrefix(
                "1      [fe80:…:def0]:54321   [fe80::1]:22          "))
    }

    /// Each selector on the six fixtures; ids stay those of the whole trace, and a selected row is the same
    /// row as without the selection (a filter never changes a verdict).
    @Test func selectors() throws {
        let all = try runCLI(["analyze"] + Self.six).stdout.split(separator: "\n")
        func ids(_ options: [String]) throws -> [Int] {
            let r = try runCLI(["analyze"] + options + Self.six)
            #expect(r.status == 0, "\(options): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            for row in lines.dropFirst().prefix(while: { !$0.isEmpty }) {
                #expect(all.contains(row), "\(options): \(row) differs from the unselected table")
            }
            return Self.rowIDs(r.stdout)
        }
        #expect(try ids(["--port", "41006"]) == [2])
        #expect(try ids(["--port", "41006", "--port", "41020"]) == [2, 6])
        #expect(try ids(["--port", "8080"]) == [1, 2, 3, 4, 5, 6])  // every server listens on 8080
        #expect(try ids(["--host", "fd00:99:1::2"]) == [4])
        #expect(try ids(["--finding", "reset"]) == [3])
        #expect(try ids(["--finding", "zero-window", "--finding", "refused"]) == [2, 6])
        #expect(try ids(["--state", "refused"]) == [2])
        #expect(try ids(["--state", "reset"]) == [2, 3])  // the refusal closes by reset too
        #expect(try ids(["--state", "three-way"]) == [1])
        // BPF: `tshark -Y tcp.flags.reset==1` finds one RST in refused.pcap and one in rst-client.pcap, none
        // elsewhere; `-Y ipv6` matches the 11 frames of ipv6-close.pcap only.
        #expect(try ids(["--filter", "tcp[tcpflags] & tcp-rst != 0"]) == [2, 3])
        #expect(try ids(["--filter", "ip6"]) == [4])
        #expect(try ids(["--filter", "ip6", "--port", "41006"]) == [])
        // Counted: shown and left out.
        let r = try runCLI(["analyze", "--port", "41006"] + Self.six)
        #expect(r.stdout.contains("1 connection(s) selected of 6; findings:\n  error: refused 1\n"))
        let json = try runCLI(["analyze", "--format", "json", "--port", "41006"] + Self.six)
        #expect(json.stdout.contains("\"unselected\": 5"))
        let none = try runCLI(["analyze", "--port", "1"] + Self.six)
        #expect(none.stdout.hasPrefix("no connection selected\n"))
    }

    /// In a tunnel the BPF sees the outer headers, as tcpdump does: tunnels-udp.pcap carries one connection
    /// per UDP overlay (tshark: VXLAN on 4789, Geneve on 6081, GTP-U on 2152, AYIYA on 5072, Teredo on 3544
    /// for one of its two connections and ports 40123/40124 for the other).
    @Test func filterSeesTheOuterHeadersOfATunnel() throws {
        let capture = fixture("synthetic/tunnels-udp.pcap")
        func ids(_ filter: String) throws -> [Int] {
            Self.rowIDs(try runCLI(["analyze", "--filter", filter, capture]).stdout)
        }
        #expect(try ids("udp port 4789") == [1])
        #expect(try ids("udp port 6081") == [2])
        #expect(try ids("udp port 2152") == [3])
        #expect(try ids("udp port 3544") == [4])
        #expect(try ids("udp port 40123") == [5])
        #expect(try ids("udp port 5072") == [6])
        #expect(try ids("tcp port 80") == [])  // the outer packets are UDP
    }

    @Test func badSelectorsAreUsageErrors() throws {
        let bpf = try runCLI(["analyze", "--filter", "tcp port", fixture("refused.pcap")])
        #expect(bpf.status == 2)
        #expect(bpf.stderr.hasPrefix("tcptrace-swift: --filter: bad filter 'tcp port': "))
        #expect(try runCLI(["analyze", "--finding", "nope", fixture("refused.pcap")]).status == 2)
        #expect(try runCLI(["analyze", "--state", "closed", fixture("refused.pcap")]).status == 2)
        #expect(try runCLI(["analyze", "--host", "10.0.0", fixture("refused.pcap")]).status == 2)
        #expect(try runCLI(["check", "--min-severity", "warning", fixture("refused.pcap")]).status == 2)
    }

    /// `--min-severity` changes what is shown and totalled; `--fail-on` still judges every finding.
    @Test func minimumSeverity() throws {
        let r = try runCLI(["analyze", "--min-severity", "warning", fixture("zero-window.pcap")])
        // zero-window.pcap: retransmission 1 and zero-window 3 (warnings); probes and window-full (infos) hidden.
        #expect(r.stdout.contains(" TW/CL retransmission, zero-window×3, +1\n"))
        #expect(
            r.stdout.contains(
                "1 connection(s); findings (below warning not shown):\n  warning: retransmission 1, zero-window 3, "
                    + "rwnd-limited 1\nslowest:\n"))
        let errorsOnly = try runCLI(
            ["analyze", "--min-severity", "error", "--fail-on", "warning", fixture("zero-window.pcap")])
        #expect(errorsOnly.stdout.contains(" TW/CL -\n"))
        #expect(errorsOnly.status == 1)  // the hidden warnings still fail the run
        let json = try runCLI(["analyze", "--format", "json", "--min-severity", "warning", fixture("zero-window.pcap")])
        #expect(!json.stdout.contains("window-full"))
        #expect(json.stdout.contains("\"min_severity\": \"warning\""))
    }

    /// The timeline of a zero-window connection: the scaled window (the client's SYN has ws=10, the server's
    /// ws=0: tshark's tcp.window_size 64512 for the client's raw 63, 0 for the server's zero windows), the
    /// SACK block of frame 9 (tshark sack_le 2897, sack_re 4345) and the SYNs' options.
    @Test func timelineOfAZeroWindowConnection() throws {
        let r = try runCLI(["analyze", fixture("zero-window.pcap"), "--connection", "1"])
        #expect(r.status == 0)
        let out = r.stdout
        #expect(out.contains("  times: seconds since the first packet, 2026-11-25T15:00:40.555949Z\n"))
        #expect(
            out.contains(
                "FRAME  TIME      DIR  FLAGS        SEQ    ACK    LEN   WIN    SACK       OPTIONS                      "
                    + "CLIENT       SERVER        FINDINGS\n"))
        #expect(
            out.contains(
                "1      0.000000  C→S  SYN          0      -      0     64240             mss=1460,ws=10,sack_perm,ts  "
                    + "SYN_SENT     CLOSED\n"))
        #expect(
            out.contains(
                "9      0.042293  S→C  ACK          1      4345   0     1448   2897-4345                               "
                    + "ESTABLISHED  ESTABLISHED\n"))
        #expect(
            out.contains(
                "11     0.086299  S→C  ACK          1      5793   0     0                                              "
                    + "ESTABLISHED  ESTABLISHED   zero-window\n"))
        #expect(
            out.contains(
                "12     0.302292  C→S  ACK          5792   1      0     64512                                          "
                    + "ESTABLISHED  ESTABLISHED   zero-window-probe\n"))
        // --absolute-seq: the raw numbers of frame 9 (tshark with tcp.relative_sequence_numbers:FALSE:
        // seq 657721742, ack 480750162, SACK 480748714-480750162).
        let raw = try runCLI(["analyze", fixture("zero-window.pcap"), "--connection", "1", "--absolute-seq"])
        #expect(raw.stdout.contains("  sequence numbers as on the wire\n"))
        let frame9 = try #require(raw.stdout.split(separator: "\n").first { $0.hasPrefix("9  ") })
        #expect(
            frame9.split(separator: " ").prefix(9) == [
                "9", "0.042293", "S→C", "ACK", "657721742", "480750162", "0", "1448", "480748714-480750162",
            ])
    }

    /// `-t`: frame 2 of refused.pcap, 29 µs after frame 1 (tshark -t e: 1795615101.280173 and
    /// 1795615101.280202).
    @Test func timeFormats() throws {
        func frame2(_ options: [String], environment: [String: String] = [:]) throws -> String {
            let r = try runCLI(
                ["analyze", fixture("refused.pcap"), "--connection", "1"] + options, environment: environment)
            #expect(r.status == 0, "\(options): \(r.stderr)")
            return try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("2  ") }).description
        }
        #expect(try frame2([]).hasPrefix("2      0.000029  S→C"))
        #expect(try frame2(["-t", "epoch"]).hasPrefix("2      1795615101.280202  S→C"))
        #expect(try frame2(["-t", "absolute"]).hasPrefix("2      2026-11-25T13:58:21.280202Z  S→C"))
        // delta differs from relative past the second frame: zero-window.pcap's frame 12 is 0.302292 s after
        // the first and 0.215993 s after frame 11 (tshark frame.time_relative, frame.time_delta).
        let delta = try runCLI(["analyze", fixture("zero-window.pcap"), "--connection", "1", "-t", "delta"])
        #expect(delta.stdout.contains("\n12     0.215993  C→S  ACK "))
        #expect(
            delta.stdout.contains(
                "  times: seconds since the previous segment; first packet 2026-11-25T15:00:40.555949Z\n"))
        #expect(
            try frame2(["-t", "absolute", "--local-time"], environment: ["TZ": "UTC+02:30"])
                .hasPrefix("2      2026-11-25T11:28:21.280202-02:30  S→C"))
        // A table has no previous row: delta is refused without a timeline.
        #expect(try runCLI(["analyze", "-t", "delta", fixture("refused.pcap")]).status == 2)
        // The capture line gives the start in the chosen form.
        let epoch = try runCLI(["analyze", "-t", "epoch", fixture("refused.pcap")])
        #expect(epoch.stdout.contains("frames 1-2, 0.000s from 1795615101.280173\n"))
        // JSON keeps epoch seconds and adds ISO 8601.
        let json = try runCLI(["analyze", "--format", "jsonl", fixture("refused.pcap")])
        #expect(json.stdout.contains("\"start\":1795615101.280173000,"))
        #expect(
            json.stdout.contains(
                "\"start_iso\":\"2026-11-25T13:58:21.280173Z\",\"end_iso\":\"2026-11-25T13:58:21.280202Z\""))
    }

    /// `ladder`: times as `-t` says after each frame number, the capture's start once on top; the selection
    /// chooses what is drawn.
    @Test func ladderTimesAndSelection() throws {
        let epoch = try runCLI(["ladder", "-t", "epoch", "--color", "never", fixture("refused.pcap")])
        #expect(
            epoch.stdout.hasPrefix(
                "times: seconds since 1970-01-01T00:00:00Z; first packet 2026-11-25T13:58:21.280173Z\n"))
        #expect(epoch.stdout.contains("#2 1795615101.280202\n"))
        let delta = try runCLI(["ladder", "-t", "delta", "--color", "never", fixture("zero-window.pcap")])
        #expect(delta.stdout.contains("#12 0.215993\n"))
        let chosen = try runCLI(["ladder", "--color", "never", "--state", "reset"] + Self.six)
        let heads = chosen.stdout.split(separator: "\n").filter { $0.hasPrefix("connection ") }
        #expect(
            heads == [
                "connection 2: handshake refused, close reset by server",
                "connection 3: handshake complete, close reset by client",
            ])
    }

    /// `report` and `check` take the selection too: the report's table lists the selected rows only, and the
    /// rules (and `connections:`) see the selected connections.
    @Test func reportAndCheckSelect() throws {
        let html = try runCLI(["report", "-o", "-", "--finding", "zero-window"] + Self.six)
        #expect(html.status == 0)
        #expect(html.stdout.components(separatedBy: "<tr data-id=").count - 1 == 1)
        #expect(html.stdout.contains("id=\"conn-6\""))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tcptrace-sel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rules = folder.appendingPathComponent("one.yaml").path
        try "connections: 1\nrules:\n  - {close: reset, initiator: server}\n".write(
            toFile: rules, atomically: true, encoding: .utf8)
        // refused.pcap's one connection (client port 41006) is reset by the server: selected, it meets the
        // rules; with a selection that leaves it out, `connections: 1` fails.
        let one = try runCLI(["check", fixture("refused.pcap"), "--expect", rules, "--port", "41006"])
        #expect(one.status == 0, "\(one.stdout)")
        let none = try runCLI(["check", fixture("refused.pcap"), "--expect", rules, "--port", "1"])
        #expect(none.status == 1)
        #expect(none.stdout.contains("expected 1 connection(s), saw 0"))
    }

    /// Golden outputs, re-recorded on purpose with `RECORD_GOLDEN=1 swift test` (then read, and checked
    /// against the captures with tshark, before committing): the six-fixture table, each selector, each time
    /// format and the zero-window timeline. Paths are given relative to the package root.
    @Test(arguments: [
        ("table-six", ["analyze"] + Self.relativeSix),
        ("table-wide", ["analyze", "--wide"] + Self.relativeSix),
        ("table-many", ["analyze", "Fixtures/tw-churn-server-closes.pcap"]),
        ("select-port", ["analyze", "--port", "41006"] + Self.relativeSix),
        ("select-host", ["analyze", "--host", "fd00:99:1::2"] + Self.relativeSix),
        ("select-finding", ["analyze", "--finding", "zero-window", "--finding", "refused"] + Self.relativeSix),
        ("select-state", ["analyze", "--state", "reset"] + Self.relativeSix),
        ("select-filter", ["analyze", "--filter", "tcp[tcpflags] & tcp-rst != 0"] + Self.relativeSix),
        ("select-min-severity", ["analyze", "--min-severity", "warning"] + Self.relativeSix),
        ("time-relative", ["analyze", "Fixtures/refused.pcap", "--connection", "1"]),
        ("time-absolute", ["analyze", "Fixtures/refused.pcap", "--connection", "1", "-t", "absolute"]),
        ("time-epoch", ["analyze", "Fixtures/refused.pcap", "--connection", "1", "-t", "epoch"]),
        ("time-delta", ["analyze", "Fixtures/zero-window.pcap", "--connection", "1", "-t", "delta"]),
        ("timeline-zero-window", ["analyze", "Fixtures/zero-window.pcap", "--connection", "1"]),
    ])
    func golden(_ name: String, _ arguments: [String]) throws {
        let r = try runCLI(arguments, directory: packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        let url = packageRoot.appendingPathComponent("Tests/TCPTraceTests/Golden/\(name).txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
            try r.stdout.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(url.path); run again without RECORD_GOLDEN")
            return
        }
        #expect(r.stdout == (try String(contentsOf: url, encoding: .utf8)), "\(name) differs from \(url.path)")
        if !name.hasPrefix("time") && !name.hasPrefix("timeline") && name != "table-wide" {
            #expect(r.stdout.split(separator: "\n").allSatisfy { $0.count <= 120 }, "\(name): a line over 120")
        }
    }

    static let relativeSix = ["refused", "close-3way", "rst-client", "bulk-loss-mid", "ipv6-close", "zero-window"].map {
        "Fixtures/\($0).pcap"
    }

    /// ISO 8601 from the civil-calendar arithmetic against the C library's gmtime_r, over the epoch, leap
    /// days and centuries, and before 1970, within what a `Timestamp` holds (nanoseconds in an Int64: 1678
    /// to 2262).
    @Test func iso8601AgreesWithGmtime() {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Int64] = [0, -1, 951_782_400, 951_868_799, 4_107_542_400, 1_700_000_000, -2_208_988_800]
        for _ in 0..<20_000 { seconds.append(Int64.random(in: -9_000_000_000...9_000_000_000, using: &generator)) }
        for s in seconds {
            var clock = time_t(s)
            var parts = tm()
            gmtime_r(&clock, &parts)
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let expected =
                "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
                + "\(two(parts.tm_min)):\(two(parts.tm_sec)).000250Z"
            let t = Timestamp(seconds: s, nanoseconds: 250_000)
            #expect(TimeWriter.iso8601(t) == expected, "\(s)")
        }
        #expect(TimeWriter.iso8601(Timestamp(seconds: 0, nanoseconds: 1)) == "1970-01-01T00:00:00.000000001Z")
    }

    @Test func versionAndMissingConnection() throws {
        let v = try runCLI(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout == "tcptrace-swift \(Version.number)\n")
        let json = try runCLI(["analyze", "--format", "json", fixture("refused.pcap")])
        #expect(json.stdout.contains("\"version\": \"\(Version.number)\""))
        // A --connection id the trace does not have: an error, exit 5, nothing on stdout.
        let missing = try runCLI(["analyze", fixture("refused.pcap"), "--connection", "9"])
        #expect(missing.status == 5)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr == "tcptrace-swift: no connection 9: the trace has 1 (id 1)\n")
        let unselected = try runCLI(["analyze", "--port", "41006", "--connection", "1"] + Self.six)
        #expect(unselected.status == 5)
        #expect(unselected.stderr == "tcptrace-swift: connection 1 is not among the 1 the selection shows\n")
        #expect(try runCLI(["ladder", fixture("refused.pcap"), "--connection", "2"]).status == 5)
        #expect(
            try runCLI(["report", fixture("refused.pcap"), "--format", "svg", "--connection", "2", "-o", "-"]).status
                == 5)
    }

    /// `--long` gives units: bulk-loss-mid's client sent 299,736 payload bytes (tshark: sum of tcp.len over
    /// the client's frames) = 292.7 KiB; its MSS option is 1460 (tshark tcp.options.mss_val).
    @Test func longHasUnits() throws {
        let r = try runCLI(["analyze", "--long", fixture("bulk-loss-mid.pcap")])
        #expect(r.stdout.contains("  payload bytes:               292.7 KiB        0 B\n"))
        #expect(r.stdout.contains("  mss:                         1460 B           1460 B\n"))
        #expect(r.stdout.contains(" ms\n"))
        #expect(r.stdout.contains(" KiB/s "))
    }
}

/// `check --init` writes rules a re-capture of the same behaviour passes.
@Suite(.serialized) struct CheckInitTests {
    /// A re-capture of `capture` as another run of the same client would give it: every client port moved by
    /// `shift` (Ethernet, IPv4, TCP; checksums are not checked by default) and one ARP frame first, so that
    /// every frame number moves by one.
    static func recaptured(_ capture: String, server: UInt16, shift: UInt16) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture)))
        #expect(bytes[0] == 0xd4 && bytes[1] == 0xc3)  // little-endian microsecond pcap
        func le32(_ i: Int) -> Int {
            Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
        }
        var out = Array(bytes[0..<24])
        // The ARP frame, with the first packet's timestamp.
        let arp: [UInt8] =
            [UInt8](repeating: 0xff, count: 6) + [2, 0, 0, 0, 0, 1, 0x08, 0x06]
            + [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1] + [UInt8](repeating: 0, count: 6) + [10, 0, 0, 2]
        out += bytes[24..<32]
        out += [UInt8(arp.count), 0, 0, 0, UInt8(arp.count), 0, 0, 0] + arp
        var i = 24
        while i + 16 <= bytes.count {
            let length = le32(i + 8)
            var record = Array(bytes[i..<(i + 16 + length)])
            let ip = 16 + 14
            if record.count > ip + 20, record[16 + 12] == 0x08, record[16 + 13] == 0x00, record[ip + 9] == 6 {
                let tcp = ip + Int(record[ip] & 0x0f) * 4
                for offset in [tcp, tcp + 2] {
                    let port = UInt16(record[offset]) << 8 | UInt16(record[offset + 1])
                    guard port != server else { continue }
                    let moved = port &+ shift
                    record[offset] = UInt8(moved >> 8)
                    record[offset + 1] = UInt8(moved & 0xff)
                }
            }
            out += record
            i += 16 + length
        }
        return out
    }

    @Test func initRulesPassOnARecaptureWithOtherPorts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tcptrace-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let original = folder.appendingPathComponent("bulk.pcap").path
        try FileManager.default.copyItem(atPath: fixture("bulk-loss-mid.pcap"), toPath: original)
        let r = try runCLI(["check", "--init", original])
        #expect(r.status == 0)
        let yaml = try String(contentsOfFile: folder.appendingPathComponent("bulk.expect.yaml").path, encoding: .utf8)
        // Matched by server and place, findings by code and count (those of the fixture's expectation file).
        #expect(yaml.contains("    match: {server: 10.99.2.2, server_port: 8080, nth: 1}\n"))
        #expect(yaml.contains("      - {code: retransmission, count: 4}\n"))
        #expect(yaml.contains("      - {code: duplicate-ack, count: 15}\n"))
        #expect(!yaml.contains("client_port") && !yaml.contains("frame:") && !yaml.contains("id:"))
        // The re-capture: client port 41018 → 51018, every frame one later.
        let again = folder.appendingPathComponent("again.pcap").path
        try Data(try Self.recaptured(fixture("bulk-loss-mid.pcap"), server: 8080, shift: 10_000)).write(
            to: URL(fileURLWithPath: again))
        let moved = try runCLI(["analyze", "--wide", again])
        #expect(moved.stdout.contains("10.99.1.2:51018") && moved.stdout.contains("2-375"))
        let check = try runCLI(["check", again, "--expect", folder.appendingPathComponent("bulk.expect.yaml").path])
        #expect(check.status == 0, "\(check.stdout)")
        // With --pin-frames the frames are pinned: the re-capture's frames moved by one, and it fails.
        let pinned = folder.appendingPathComponent("pinned.yaml").path
        #expect(try runCLI(["check", "--init", "--pin-frames", original, "--expect", pinned]).status == 0)
        #expect(try String(contentsOfFile: pinned, encoding: .utf8).contains("frame: "))
        #expect(try runCLI(["check", again, "--expect", pinned]).status == 1)
        #expect(try runCLI(["check", original, "--expect", pinned]).status == 0)
    }

    /// `nth` counts connections to the same server endpoint by first frame: rotated-2.pcap's three
    /// connections all go to 127.0.0.1:8080, from ports 40010, 40011 and 40012 in that order (tshark -z
    /// conv,tcp: relative starts 0, 0.198 and 0.454 s).
    @Test func nthCountsConnectionsToTheSameServer() throws {
        let a = try Analyzer.analyze(paths: [fixture("rotated-2.pcap")])
        let ordinals = ConnectionSelector.serverOrdinals(a.connections)
        #expect(a.connections.map { ordinals[$0.id] } == [1, 2, 3])
        let second = ConnectionSelector(server: IPAddress("127.0.0.1"), serverPort: 8080, nth: 2)
        let matched = a.connections.filter { second.matches($0, ordinals: ordinals) }
        #expect(matched.map(\.client.endpoint.port) == [40011])
    }
}
