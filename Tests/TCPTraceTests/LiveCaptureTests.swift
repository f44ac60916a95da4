import Foundation
import Testing

@testable import TCPTrace

/// Live capture on `lo` with real kernel connections (driven by scripts/tcpapp.py). They need root (CAP_NET_RAW)
/// and skip with a printed reason otherwise; CI runs as root.
@Suite(.serialized) struct LiveCaptureTests {
    static var isRoot: Bool { getuid() == 0 }
    static let app = packageRoot.appendingPathComponent("scripts/tcpapp.py").path

    func skipUnlessRoot(_ name: String) -> Bool {
        if !Self.isRoot { print("\(name) skipped: live capture needs root (CAP_NET_RAW)") }
        return !Self.isRoot
    }

    /// Starts `tcpapp.py` with arguments; returns the running process.
    @discardableResult
    func app(_ arguments: [String], wait: Bool) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.app] + arguments
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        if wait { p.waitUntilExit() }
        return p
    }

    /// Runs `live` for `seconds` on lo, filtered on two ports picked for this test, while `traffic` runs.
    func liveSession(
        port: Int, seconds: Double, extra: [String] = [], traffic: () throws -> Void
    ) throws
        -> (events: [JSONNode], summary: JSONNode?, status: Int32, stderr: String)
    {
        let live = Process()
        live.executableURL = cliBinary
        live.arguments =
            ["live", "-i", "lo", "--duration", String(seconds), "--format", "jsonl"] + extra
            + ["tcp", "port", String(port), "or", "tcp", "port", String(port + 1)]
        let out = Pipe(), err = Pipe()
        live.standardOutput = out
        live.standardError = err
        try live.run()
        Thread.sleep(forTimeInterval: 1.0)  // the capture is open
        try traffic()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        live.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONNode.parse(String($0))
        }
        let summary = lines.last { $0["event"] == .string("summary") }
        return (
            lines.filter { $0["event"] != .string("summary") }, summary, live.terminationStatus,
            String(decoding: errors, as: UTF8.self)
        )
    }

    func kernelTraffic(port: Int) throws {
        // 1. request/response, the client closes first; 2. a refused connect (nothing listens on port + 1);
        // 3. the client aborts with SO_LINGER 0 (RST) after the reply.
        let server = try app(
            [
                "server", "--addr", "127.0.0.1", "--port", String(port), "--conns", "2",
                "--steps", "recv:100,send:200,eof,close",
            ], wait: false)
        // (A fixed 0.3 s was not always enough on a loaded machine: the first client was refused and the
        // server then waited forever for its second connection. Wait until it listens, and at most 20 s in all.)
        Self.waitUntilListening(port: port)
        try app(
            ["client", "--addr", "127.0.0.1", "--port", String(port), "--steps", "send:100,recv:200,close"], wait: true)
        Thread.sleep(forTimeInterval: 0.2)
        try app(["client", "--addr", "127.0.0.1", "--port", String(port + 1), "--steps", "close"], wait: true)
        Thread.sleep(forTimeInterval: 0.2)
        try app(
            ["client", "--addr", "127.0.0.1", "--port", String(port), "--steps", "send:100,recv:200,abort"], wait: true)
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if server.isRunning { server.terminate() }
        server.waitUntilExit()
    }

    /// Waits (at most 10 s) until a socket listens on 127.0.0.1:`port` (/proc/net/tcp, state 0A), without
    /// connecting to it: a connection would be one more in the capture.
    static func waitUntilListening(port: Int) {
        let local = String(format: "0100007F:%04X", port)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
            let listening = table.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count > 3 && fields[1] == local && fields[3] == "0A"
            }
            if listening { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func eventsForRealConnections() throws {
        if skipUnlessRoot("eventsForRealConnections") { return }
        let port = 20_000 + Int(getpid() % 10_000)
        let write = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(port).pcap").path
        let session = try liveSession(port: port, seconds: 4, extra: ["--write", write]) {
            try kernelTraffic(port: port)
        }
        #expect(session.status == 0, "\(session.stderr)")
        let order = session.events.map { e -> String in
            let id: Int64 = { if case .integer(let i)? = e["id"] { return i } else { return 0 } }()
            var text = "\(id):\(e["event"].map { if case .string(let s) = $0 { s } else { "" } } ?? "")"
            if case .string(let h)? = e["handshake"] { text += ":\(h)" }
            if case .string(let k)? = e["close"] { text += ":\(k)" }
            if case .string(let code)? = e["finding"]?["code"] { text += ":\(code)" }
            return text
        }
        #expect(order.first == "1:opened:complete")
        #expect(order.contains("2:opened:refused"))
        #expect(order.contains("2:finding:refused"))
        #expect(order.contains("2:closed:reset"))
        #expect(order.contains("3:opened:complete"))
        #expect(order.contains("3:closed:reset"))
        #expect(order.count > 1 && ["1:closed:four-way", "1:closed:three-way"].contains(order[1]))
        #expect(session.summary?["connections"] == .integer(3))
        // The saved capture gives the same verdicts.
        let again = try Analyzer.analyze(paths: [write])
        #expect(again.connections.map(\.handshakeOutcome) == [.complete, .refused, .complete])
        #expect(again.connections.map(\.closeKind).last == .reset)
        #expect(again.connections[2].closeInitiator == .client)
        #expect(again.connections[1].findings.map(\.code) == [.refused])
    }

    @Test func badInterfaceAndBadFilter() throws {
        if skipUnlessRoot("badInterfaceAndBadFilter") { return }
        let noSuch = try runCLI(["live", "-i", "nosuch0", "--duration", "1"])
        #expect(noSuch.status == 2)
        #expect(
            noSuch.stderr
                == "tcptrace-swift: nosuch0: no such capture interface (list them with `tcptrace-swift interfaces`)\n")
        let badFilter = try runCLI(["live", "-i", "lo", "--duration", "1", "tcp", "port"])
        #expect(badFilter.status == 2)
        #expect(badFilter.stderr.hasPrefix("tcptrace-swift: invalid capture filter \"tcp port\": "))
    }

    @Test func withoutPrivilegeTheErrorSaysWhatToDo() throws {
        if skipUnlessRoot("withoutPrivilegeTheErrorSaysWhatToDo") { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            print("withoutPrivilegeTheErrorSaysWhatToDo skipped: setpriv is not installed"); return
        }
        // The build folder must be readable by nobody for this; copy the binary somewhere neutral.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tcptrace-swift-nobody-\(getpid())")
            .path
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: cliBinary.path, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        let r = try runCLI(
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", copy, "live", "-i", "lo",
                "--duration", "1",
            ], executable: "/usr/bin/setpriv")
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stderr.contains("lo: permission denied"))
        #expect(r.stderr.contains("run as root"))
    }

    @Test func interfacesListsLoopback() throws {
        if skipUnlessRoot("interfacesListsLoopback") { return }
        let r = try runCLI(["interfaces"])
        #expect(r.status == 0)
        #expect(
            r.stdout.split(separator: "\n").contains {
                $0.contains(".lo ") && $0.contains("Loopback") && $0.contains("127.0.0.1")
            })
    }
}
