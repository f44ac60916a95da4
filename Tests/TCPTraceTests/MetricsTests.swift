import Foundation
import Testing

@testable import TCPTrace
@testable import TCPTraceMetrics

/// `live --metrics-listen` (docs/live.md, "Prometheus metrics"): the address rules and exit codes (no root
/// needed), the metrics a known capture gives fed packet by packet as `live` does, and a scrape of a real
/// `live` on `lo` while real connections come and go (root, skipped with a printed reason otherwise).
@Suite(.serialized) struct MetricsTests {
    // MARK: The address

    @Test func addressesThatParse() throws {
        #expect(
            try MetricsAddress(parsing: "127.0.0.1:9464")
                == MetricsAddress(address: IPAddress("127.0.0.1")!, port: 9464))
        #expect(try MetricsAddress(parsing: "[::1]:9464") == MetricsAddress(address: IPAddress("::1")!, port: 9464))
        #expect(try MetricsAddress(parsing: "0.0.0.0:1").port == 1)
        #expect(try MetricsAddress(parsing: "[::]:65535").port == 65_535)
        #expect(try MetricsAddress(parsing: "[::1]:9464").description == "[::1]:9464")
    }

    @Test func addressesThatDoNot() {
        let cases: [(String, MetricsAddress.ParseError)] = [
            ("nonsense", .notAddressAndPort("nonsense")),
            ("9464", .notAddressAndPort("9464")),
            (":9464", .notAddressAndPort(":9464")),
            ("127.0.0.1:", .notAddressAndPort("127.0.0.1:")),
            ("::1:9464", .notAddressAndPort("::1:9464")),
            ("[::1]9464", .notAddressAndPort("[::1]9464")),
            ("localhost:9464", .badAddress("localhost:9464", address: "localhost")),
            ("127.0.0.256:9464", .badAddress("127.0.0.256:9464", address: "127.0.0.256")),
            ("[127.0.0.1]:9464", .badAddress("[127.0.0.1]:9464", address: "127.0.0.1")),
            ("127.0.0.1:70000", .badPort("127.0.0.1:70000", port: "70000")),
            ("127.0.0.1:0", .badPort("127.0.0.1:0", port: "0")),
            ("127.0.0.1:+80", .badPort("127.0.0.1:+80", port: "+80")),
            ("127.0.0.1:0009464", .badPort("127.0.0.1:0009464", port: "0009464")),
        ]
        for (value, expected) in cases {
            #expect(throws: expected, "\(value)") { try MetricsAddress(parsing: value) }
        }
    }

    /// Exit 2, one error naming the value; the address is checked before the capture opens, so no root is
    /// needed to see these and a bad interface is not what is reported.
    /// The endpoint's HTTP, in process and without root: the answers RFC 9112 asks for to requests written
    /// byte by byte by a client of our own (Python's socket module, every call with a timeout).
    @Test func theEndpointAnswersHTTP() throws {
        let metrics = LiveMetrics(msl: 30)
        var started: (MetricsServer, UInt16)?
        for _ in 0..<20 where started == nil {
            let port = UInt16.random(in: 40_000...60_000)
            let address = MetricsAddress(address: IPAddress("127.0.0.1")!, port: port)
            if let server = try? MetricsServer(address: address, metrics: metrics) { started = (server, port) }
        }
        let (server, port) = try #require(started)
        defer { server.stop() }
        // Each request: the bytes sent (a list: sent apart, 0.2 s between), then the status line, the
        // Content-Length and the body's length as answered; "" when the server closed without answering.
        let script = """
            import socket, time, json
            def ask(parts):
                s = socket.create_connection(("127.0.0.1", \(port)), timeout=5)
                data = b""
                try:  # (a server that closes with bytes unread resets the connection)
                    for i, part in enumerate(parts):
                        if i: time.sleep(0.2)
                        s.sendall(part.encode())
                    while True:
                        chunk = s.recv(65536)
                        if not chunk: break
                        data += chunk
                except (ConnectionResetError, BrokenPipeError):
                    pass
                s.close()
                head, _, body = data.partition(b"\\r\\n\\r\\n")
                lines = head.decode().split("\\r\\n")
                length = [l.split(": ")[1] for l in lines if l.lower().startswith("content-length")]
                return [lines[0], int(length[0]) if length else -1, len(body), b"tcptrace_packets_total 0" in body]
            requests = [
                ["GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"],
                ["GET /metrics?name=x HTTP/1.0\\n\\n"],
                ["GET /met", "rics HTTP/1.1\\r\\n\\r\\n"],
                ["HEAD /metrics HTTP/1.1\\r\\n\\r\\n"],
                ["GET / HTTP/1.1\\r\\n\\r\\n"],
                ["POST /metrics HTTP/1.1\\r\\nContent-Length: 0\\r\\n\\r\\n"],
                ["garbage\\r\\n\\r\\n"],
                ["a" * 20000],
            ]
            print(json.dumps([ask(r) for r in requests]))
            """
        let r = try runCLI(["python3", "-c", script], executable: "/usr/bin/env")
        #expect(r.status == 0, "\(r.stderr)")
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[Any]])
        try #require(answers.count == 8)
        for i in 0..<3 {
            #expect(answers[i][0] as? String == "HTTP/1.1 200 OK", "request \(i)")
            #expect(answers[i][1] as? Int == answers[i][2] as? Int, "request \(i): Content-Length is the body's")
            #expect(answers[i][3] as? Bool == true, "request \(i): the registry's text")
        }
        #expect(answers[3][0] as? String == "HTTP/1.1 200 OK")
        #expect((answers[3][1] as? Int ?? 0) > 0 && answers[3][2] as? Int == 0, "HEAD: the length, no body")
        #expect(answers[4][0] as? String == "HTTP/1.1 404 Not Found")
        #expect(answers[5][0] as? String == "HTTP/1.1 405 Method Not Allowed")
        #expect(answers[6][0] as? String == "", "not a request line: closed without an answer")
        #expect(answers[7][0] as? String == "", "no end of head within 16 KiB: closed")
    }

    @Test func requestLines() {
        #expect(RequestLine(Array("GET /metrics HTTP/1.1\r\n".utf8)) == RequestLine(method: "GET", path: "/metrics"))
        #expect(RequestLine(Array("GET /metrics HTTP/1.0\n".utf8)) == RequestLine(method: "GET", path: "/metrics"))
        #expect(RequestLine(Array("GET  /metrics HTTP/1.1\r\n".utf8)) == nil)
        #expect(RequestLine(Array("GET metrics HTTP/1.1\r\n".utf8)) == nil)
        #expect(RequestLine(Array("GET /metrics HTTP/2\r\n".utf8)) == nil)
        #expect(RequestLine(Array("GET /metrics".utf8)) == nil)
        #expect(RequestLine.endOfHead(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) == 27)
        #expect(RequestLine.endOfHead(Array("GET / HTTP/1.1\n\n".utf8)) == 16)
        #expect(RequestLine.endOfHead(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
    }

    @Test func badAddressesExitTwoBeforeTheCaptureOpens() throws {
        let nonsense = try runCLI(["live", "-i", "nosuch0", "--metrics-listen", "nonsense", "--duration", "1"])
        #expect(nonsense.status == 2)
        #expect(
            nonsense.stderr.hasPrefix(
                "Error: The value 'nonsense' is invalid for '--metrics-listen <address:port>': "
                    + "expected ADDRESS:PORT"))
        let range = try runCLI(["live", "-i", "nosuch0", "--metrics-listen", "127.0.0.1:70000", "--duration", "1"])
        #expect(range.status == 2)
        #expect(
            range.stderr.contains("'127.0.0.1:70000'") && range.stderr.contains("port 70000 is not a number in 1-65535")
        )

        let listener = try ListeningSocket()
        defer { listener.close() }
        let inUse = try runCLI(
            ["live", "-i", "nosuch0", "--metrics-listen", "127.0.0.1:\(listener.port)", "--duration", "1"])
        #expect(inUse.status == 2)
        #expect(
            inUse.stderr
                == "tcptrace-swift: --metrics-listen 127.0.0.1:\(listener.port): cannot listen: Address already in use\n"
        )
        // 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this host: bind fails, nothing is sent.
        let foreign = try runCLI(["live", "-i", "nosuch0", "--metrics-listen", "192.0.2.1:9464", "--duration", "1"])
        #expect(foreign.status == 2)
        #expect(
            foreign.stderr
                == "tcptrace-swift: --metrics-listen 192.0.2.1:9464: cannot listen: Cannot assign requested address\n")
    }

    // MARK: What the metrics say about a known capture

    /// Feeds a capture to `LiveMonitor` packet by packet, as `live` does, with the metrics observing; returns
    /// the metrics (not yet published at the end: the caller does that at the time it wants).
    static func feed(_ scenario: String, metrics: LiveMetrics) throws -> Timestamp {
        let path = try temporaryFile(TCPTraceTests.scenario(scenario))
        let file = try CaptureFile(path: path)
        var monitor = LiveMonitor(options: LiveOptions(), linkType: file.linkType, interface: "test")
        var last = Timestamp(nanoseconds: 0)
        var packets = 0
        _ = file.forEachPacket { record, bytes in
            last = record.timestamp
            packets += 1
            monitor.packet(record, bytes: bytes, emit: metrics.observe)
            metrics.captured(packets: packets, segments: monitor.summary.tcpSegments)
        }
        return last
    }

    @Test func aTextbookConnection() throws {
        let metrics = LiveMetrics(msl: 30)
        let last = try Self.feed("textbook", metrics: metrics)
        metrics.publish(now: last)
        let values = Scrape(metrics.registry.emitToString())
        #expect(values["tcptrace_connections_total{handshake=\"complete\"}"] == 1)
        #expect(values["tcptrace_connections_total{handshake=\"refused\"}"] == 0)
        #expect(values["tcptrace_connections_closed_total{close=\"four-way\"}"] == 1)
        #expect(values["tcptrace_packets_total"] == 7)
        #expect(values["tcptrace_segments_total"] == 7)
        #expect(values["tcptrace_handshake_rtt_seconds_count"] == 1)
        #expect(values["tcptrace_open_connections"] == 0)
        // The client closed first: it holds TIME_WAIT, for 2·MSL.
        #expect(values["tcptrace_time_wait_connections"] == 1)
        #expect(values["tcptrace_host_time_wait_connections{host=\"10.0.0.1\"}"] == 1)
        metrics.publish(now: Timestamp(nanoseconds: last.nanoseconds + 61_000_000_000))
        let later = Scrape(metrics.registry.emitToString())
        #expect(later["tcptrace_time_wait_connections"] == 0)
        // The host left the 20 shown: its series is gone, not left at 0.
        #expect(later["tcptrace_host_time_wait_connections{host=\"10.0.0.1\"}"] == nil)
    }

    /// A new connection on a 4-tuple still in TIME_WAIT ends that TIME_WAIT (RFC 6191), as on the host.
    @Test func aReuseEndsTheTimeWait() throws {
        let metrics = LiveMetrics(msl: 30)
        let last = try Self.feed("reuse-lower-isn", metrics: metrics)
        metrics.publish(now: last)
        let values = Scrape(metrics.registry.emitToString())
        #expect(values["tcptrace_connections_total{handshake=\"complete\"}"] == 2)
        #expect(values.samples.keys.contains { $0.hasPrefix("tcptrace_findings_total{code=\"time-wait-reuse\",") })
        #expect(values["tcptrace_time_wait_connections"] == 1)
        #expect(values["tcptrace_host_time_wait_connections{host=\"10.0.0.1\"}"] == 1)
    }

    @Test func openConnectionsWhileTheyLast() throws {
        let metrics = LiveMetrics(msl: 30)
        let path = try temporaryFile(scenario("textbook"))
        let file = try CaptureFile(path: path)
        var monitor = LiveMonitor(options: LiveOptions(), linkType: file.linkType, interface: "test")
        var open: [Double?] = []
        _ = file.forEachPacket { record, bytes in
            monitor.packet(record, bytes: bytes, emit: metrics.observe)
            metrics.publish(now: record.timestamp)
            let values = Scrape(metrics.registry.emitToString())
            open.append(values["tcptrace_host_open_connections{host=\"10.0.0.2\"}"])
        }
        // Open from the third packet (the handshake's ACK) until both FINs are acknowledged (the last).
        #expect(open == [nil, nil, 1, 1, 1, 1, nil])
    }

    @Test func onlyTheTopHostsAreShown() {
        var tally = HostTally()
        for i in 1...30 { tally.add(IPAddress(ipv4: UInt32(i)), i % 7) }
        #expect(tally.total == (1...30).map { $0 % 7 }.reduce(0, +))
        #expect(tally.counts.count == 30 - 4)  // (7, 14, 21, 28 add 0: never counted)
        let top = tally.top(LiveMetrics.hostsShown)
        #expect(top.count == 20)
        #expect(top.first?.count == 6 && top.first?.host == IPAddress(ipv4: 6))
        #expect(
            zip(top, top.dropFirst()).allSatisfy { $0.count > $1.count || ($0.count == $1.count && $0.host < $1.host) })
        tally.add(IPAddress(ipv4: 6), -6)
        #expect(tally.counts[IPAddress(ipv4: 6)] == nil)
    }

    // MARK: A real live capture, scraped while it runs

    /// 5 connections that exchange data and close cleanly (the client first) and 2 refused ones, in two
    /// rounds, with a scrape after each: the counters move, and the endpoint answers while the capture runs.
    @Test func scrapeDuringALiveCapture() throws {
        guard getuid() == 0 else {
            print("scrapeDuringALiveCapture skipped: live capture needs root (CAP_NET_RAW)")
            return
        }
        let port = 40_000 + Int(getpid() % 10_000)
        let metricsPort = try ListeningSocket.freePort()
        let live = Process()
        live.executableURL = cliBinary
        live.arguments = [
            "live", "-i", "lo", "--duration", "12", "--format", "jsonl", "--metrics-listen",
            "127.0.0.1:\(metricsPort)", "tcp", "port", String(port), "or", "tcp", "port", String(port + 1),
        ]
        let out = Pipe(), err = Pipe()
        live.standardOutput = out
        live.standardError = err
        try live.run()
        defer { if live.isRunning { live.terminate() } }
        Thread.sleep(forTimeInterval: 1.0)  // the capture is open
        // A scraper that sends half a request and stalls holds a connection of the endpoint all along: the
        // capture and the other scrapes go on.
        let stalled = try StalledClient(port: metricsPort, sending: "GET /metr")
        defer { stalled.close() }

        // Scraped until the per-host gauges (published once a second) have caught up, for 4 s at most
        // each (within the capture's 12 s).
        let complete = "tcptrace_connections_total{handshake=\"complete\"}"
        let timeWait = "tcptrace_host_time_wait_connections{host=\"127.0.0.1\"}"
        try Self.connections(port: port, complete: 3, refused: 1)
        let first = try Self.scrape(port: metricsPort) { $0[complete] == 3 && $0[timeWait] == 3 }
        try Self.connections(port: port, complete: 2, refused: 1)
        let second = try Self.scrape(port: metricsPort) { $0[complete] == 5 && $0[timeWait] == 5 }

        // (Not SIGTERM: a process started from a test's thread may inherit a mask that blocks it.)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        live.waitUntilExit()
        #expect(live.terminationStatus == 0, "\(stderr)")

        #expect(first["tcptrace_connections_total{handshake=\"complete\"}"] == 3)
        #expect(first["tcptrace_connections_total{handshake=\"refused\"}"] == 1)
        #expect(second["tcptrace_connections_total{handshake=\"complete\"}"] == 5)
        #expect(second["tcptrace_connections_total{handshake=\"refused\"}"] == 2)
        #expect(second["tcptrace_findings_total{code=\"refused\",severity=\"error\"}"] == 2)
        // A refused attempt ends with the server's RST; the others with a FIN each way.
        #expect(second["tcptrace_connections_closed_total{close=\"reset\"}"] == 2)
        let clean = ["four-way", "three-way"].compactMap {
            second["tcptrace_connections_closed_total{close=\"\($0)\"}"]
        }
        #expect(clean.reduce(0, +) == 5)
        #expect(second["tcptrace_handshake_rtt_seconds_count"] == 5)
        #expect(second["tcptrace_handshake_rtt_seconds_bucket{le=\"+Inf\"}"] == 5)
        // At least: handshake 3, a data segment each way, two FINs and the last ACK (8); SYN and RST (2).
        let segments = try #require(second["tcptrace_segments_total"])
        #expect(segments >= 5 * 8 + 2 * 2)
        #expect(try #require(first["tcptrace_segments_total"]) < segments)
        #expect(second["tcptrace_packets_total"] == segments)
        #expect(second["tcptrace_pcap_dropped_packets_total{by=\"kernel\"}"] == 0)
        #expect(try #require(second["tcptrace_pcap_received_packets_total"]) > 0)
        #expect(second["tcptrace_open_connections"] == 0)
        #expect(second["tcptrace_time_wait_connections"] == 5)
        #expect(second["tcptrace_host_time_wait_connections{host=\"127.0.0.1\"}"] == 5)
    }

    /// `complete` connections to `port` (100 bytes up, 200 down, the client closes first) and `refused` ones
    /// to `port + 1`, where nothing listens. Every socket has a timeout: this returns or throws.
    static func connections(port: Int, complete: Int, refused: Int) throws {
        let script = """
            import socket, threading
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', \(port))); s.listen(8); s.settimeout(5)
            def serve():
                for _ in range(\(complete)):
                    a, _ = s.accept(); a.settimeout(5)
                    n = 0
                    while n < 100: n += len(a.recv(100 - n))
                    a.sendall(b'y' * 200)
                    while a.recv(100): pass
                    a.close()
            t = threading.Thread(target=serve); t.start()
            for _ in range(\(complete)):
                c = socket.create_connection(('127.0.0.1', \(port)), timeout=5)
                c.sendall(b'x' * 100)
                n = 0
                while n < 200: n += len(c.recv(200 - n))
                c.close()
            t.join(10); s.close()
            for _ in range(\(refused)):
                try:
                    socket.create_connection(('127.0.0.1', \(port + 1)), timeout=5).close()
                    raise SystemExit('port \(port + 1) answered')
                except ConnectionRefusedError:
                    pass
            """
        let r = try runCLI(["python3", "-c", script], executable: "/usr/bin/env")
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Scrapes every 0.25 s until `done` holds of the scrape or 4 s have passed; returns the last scrape.
    static func scrape(port: UInt16, until done: (Scrape) -> Bool) throws -> Scrape {
        let deadline = Date().addingTimeInterval(4)
        var last = Scrape(try scrape(port: port))
        while !done(last) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.25)
            last = Scrape(try scrape(port: port))
        }
        return last
    }

    /// `GET /metrics` with a 5-second timeout.
    static func scrape(port: UInt16) throws -> String {
        let r = try runCLI(
            [
                "python3", "-c",
                "import urllib.request, sys; "
                    + "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(port)/metrics', timeout=5).read()"
                    + ".decode())",
            ], executable: "/usr/bin/env")
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }
}

extension MetricsTests {
    /// The samples of a scrape in the Prometheus text format, by series (`name{labels}` as written).
    struct Scrape {
        var samples: [String: Double] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                else { continue }
                samples[String(line[..<space])] = value
            }
        }

        subscript(_ series: String) -> Double? { samples[series] }
    }

    /// A TCP connection to 127.0.0.1 that sends a few bytes and then nothing.
    struct StalledClient {
        let fd: Int32

        init(port: UInt16, sending text: String) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ListeningSocket.Failure(call: "socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected,
                Array(text.utf8).withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == text.utf8.count
            else {
                _ = Foundation.close(fd)
                throw ListeningSocket.Failure(call: "connect/send")
            }
            self.fd = fd
        }

        func close() { _ = Foundation.close(fd) }
    }

    /// A TCP socket listening on 127.0.0.1 at a port the kernel picked.
    struct ListeningSocket {
        let fd: Int32
        let port: UInt16

        struct Failure: Error { var call: String }

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(call: "socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            guard bound else {
                _ = Foundation.close(fd)
                throw Failure(call: "bind/listen")
            }
            self.fd = fd
            self.port = UInt16(bigEndian: address.sin_port)
        }

        func close() { _ = Foundation.close(fd) }

        /// A port free a moment ago (the kernel's pick, released).
        static func freePort() throws -> UInt16 {
            let s = try ListeningSocket()
            s.close()
            return s.port
        }
    }
}
