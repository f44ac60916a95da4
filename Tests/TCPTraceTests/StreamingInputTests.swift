import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// A stream (a pipe, standard input, a FIFO) is analysed as it arrives (docs/live.md, "Reading a pipe"): each
/// connection is written and flushed as soon as it is final, a wall-clock tick finalizes what is due while the
/// input is quiet, and the order defaults to finish. Every wait here has a deadline: no test can hang.
@Suite(.serialized) struct StreamingInputTests {
    static let t0: Int64 = 1_700_000_000_000_000_000

    /// Connection A (client port 40000) opens and closes with a four-way close within 9 ms; connection B (port
    /// 41000) opens at 5 ms (its handshake ends at 25 ms), exchanges data every 10 ms and closes at about
    /// 0.1 s. Returns the capture cut after B's handshake (`first`: the file header, all of A and B's handshake)
    /// and the rest of B's packets (`rest`: records only).
    static func twoConnections() -> (first: [UInt8], rest: [UInt8]) {
        var a = FlowScript(clientPort: 40000, start: t0, link: .raw)
        a.handshake()
        a.data(.client, 100)
        a.ack(.server)
        a.fin(.client); a.ack(.server)
        a.fin(.server); a.ack(.client)
        var b = FlowScript(clientPort: 41000, start: t0 + 5_000_000, link: .raw)
        b.step = 10_000_000
        b.handshake()
        for _ in 0..<4 { b.data(.client, 10); b.ack(.server) }
        b.fin(.client); b.ack(.server)
        b.fin(.server); b.ack(.client)
        let records = (PcapWriter.records(a.bytes) + PcapWriter.records(b.bytes)).sorted { $0.1 < $1.1 }
        let cut = records.firstIndex { $0.1 > t0 + 25_000_000 } ?? records.count
        var first = PcapWriter(linkType: PcapWriter.Link.raw)
        var rest = PcapWriter(linkType: PcapWriter.Link.raw)
        for (i, (record, time)) in records.enumerated() {
            if i < cut { first.append(record, at: time) } else { rest.append(record, at: time) }
        }
        return (first.bytes, Array(rest.bytes.dropFirst(24)))  // (the classic pcap file header: 24 bytes)
    }

    /// The CLI reading a pipe that the test writes into: what it printed by a deadline, read as it comes.
    final class PipedRun {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        private(set) var stdout = ""

        init(_ arguments: [String]) throws {
            process.executableURL = cliBinary
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        func write(_ bytes: [UInt8]) { input.fileHandleForWriting.write(Data(bytes)) }

        /// Reads standard output until `condition` holds on what was read or `seconds` pass; whether it held.
        func read(until condition: (String) -> Bool, within seconds: Double) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            let fd = output.fileHandleForReading.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !condition(stdout) {
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return false }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, Int32(min(left, 0.1) * 1000) + 1) > 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return condition(stdout) }
                stdout += String(decoding: buffer[..<n], as: UTF8.self)
            }
            return true
        }

        /// Closes the input and waits (at most 20 s, then the process is killed) for the end.
        func finish() -> (status: Int32, stdout: String, stderr: String) {
            try? input.fileHandleForWriting.close()
            _ = read(until: { _ in false }, within: 20)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, stdout, err)
        }
    }

    @Test func aRowAppearsBeforeThePipeCloses() throws {
        let (first, rest) = Self.twoConnections()
        let run = try PipedRun(["analyze", "-", "--msl", "0.5"])
        run.write(first)
        // A is closed: its linger (at most 2·MSL = 1 s) passes by the wall clock while nothing arrives, and its
        // row comes then, though no packet follows and the pipe stays open.
        let started = Date()
        let sawA = run.read(until: { $0.contains("10.0.0.1:40000") }, within: 10)
        let waited = Date().timeIntervalSince(started)
        #expect(sawA, "no row for A while the pipe was open: \(run.stdout.debugDescription)")
        #expect(!run.stdout.contains("10.0.0.1:41000"), "B is still open")
        // The header came with A's row, and nothing of the end yet.
        #expect(run.stdout.hasPrefix("ID     CLIENT"))
        #expect(!run.stdout.contains("connection(s)"))
        print("A's row came \(String(format: "%.2f", waited)) s after the first half was written")
        run.write(rest)
        let end = run.finish()
        #expect(end.status == 0, "\(end.stderr)")
        let rows = end.stdout.split(separator: "\n").filter { $0.contains("10.0.0.1:4") }
        #expect(rows.count == 2)
        #expect(rows.first?.contains("10.0.0.1:40000") == true)
        #expect(end.stdout.contains("2 connection(s)"))
    }

    @Test func aFIFOIsReadAsItArrives() throws {
        let (first, rest) = Self.twoConnections()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(getpid()).pcap").path
        unlink(path)
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let run = try PipedRun(["analyze", path, "--msl", "0.5", "--format", "jsonl"])
        // Opened without blocking, retried until the CLI has opened its end (ENXIO before), for at most 10 s.
        var fd: Int32 = -1
        let deadline = Date(timeIntervalSinceNow: 10)
        while fd < 0 && Date() < deadline && run.process.isRunning {
            fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd < 0 { usleep(20_000) }
        }
        try #require(fd >= 0, "the CLI did not open the FIFO")
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        func write(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } }
        write(first)
        let sawA = run.read(until: { $0.contains("40000") }, within: 10)
        #expect(sawA, "no line for A while the FIFO was open: \(run.stdout.debugDescription)")
        #expect(!run.stdout.contains("41000"))
        write(rest)
        close(fd)
        let end = run.finish()
        #expect(end.status == 0, "\(end.stderr)")
        let lines = end.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("40000") == true && lines.last?.contains("41000") == true)
    }

    /// A opens first and closes last (a packet every 0.5 s for 8 s); B opens later and closes within 11 ms, so
    /// that it is finalized (after its linger) while A goes on.
    static func nested() -> [UInt8] {
        var a = FlowScript(clientPort: 40000, start: t0, link: .raw)
        a.step = 500_000_000
        a.handshake()
        for _ in 0..<5 { a.data(.client, 10); a.ack(.server) }
        a.fin(.client); a.ack(.server)
        a.fin(.server); a.ack(.client)
        var b = FlowScript(clientPort: 41000, start: t0 + 5_000_000, link: .raw)
        b.handshake()
        b.fin(.client); b.ack(.server)
        b.fin(.server); b.ack(.client)
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        for (record, time) in (PcapWriter.records(a.bytes) + PcapWriter.records(b.bytes)).sorted(by: { $0.1 < $1.1 }) {
            writer.append(record, at: time)
        }
        return writer.bytes
    }

    static func clientPorts(_ stdout: String) -> [String] {
        // (Rows: the id, then the client's address and port.)
        stdout.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count > 2, Int(words[0]) != nil, words[1].hasPrefix("10.0.0.1:") else { return nil }
            return words[1].split(separator: ":").last.map(String.init)
        }
    }

    @Test func theOrderDefaultsToFinishForAPipeAndFirstFrameForAFile() throws {
        let bytes = Self.nested()
        let path = try temporaryFile(bytes, name: "nested.pcap")
        let file = try runCLI(["analyze", path])
        #expect(file.status == 0)
        #expect(Self.clientPorts(file.stdout) == ["40000", "41000"])
        let pipe = try runCLI(["analyze", "-"], stdin: Data(bytes))
        #expect(pipe.status == 0)
        #expect(Self.clientPorts(pipe.stdout) == ["41000", "40000"])
        // An explicit --order wins.
        let ordered = try runCLI(["analyze", "-", "--order", "first-frame"], stdin: Data(bytes))
        #expect(Self.clientPorts(ordered.stdout) == ["40000", "41000"])
        // Standard input redirected from a regular file is a file.
        let process = Process()
        process.executableURL = cliBinary
        process.arguments = ["analyze", "-"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let redirected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(Self.clientPorts(redirected) == ["40000", "41000"])
        #expect(Analyzer.isStream([path]) == false)
        #expect(Analyzer.isStream([path, path]) == false)
    }

    @Test func aPipeGivesTheFileResultsWhenItDoesNotPause() throws {
        // Written at once, a stream's results are the file's (only a quiet second moves the clock by the wall).
        for name in ["close-3way.pcap", "rotated-1.pcap", "lo-ipv4.pcapng", "bulk-loss-mid.pcap"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture(name))))
            let file = try runCLI(["analyze", fixture(name), "--order", "finish", "--format", "jsonl"])
            let pipe = try runCLI(["analyze", "-", "--format", "jsonl"], stdin: Data(bytes))
            #expect(pipe.status == file.status)
            #expect(pipe.stdout == file.stdout, "\(name)")
        }
    }
}

/// The progress line on a terminal (run under `script`, which gives the CLI a pseudo-terminal for standard
/// output and standard error alike): erased before the table is written, and counting what it says.
@Suite struct ProgressLineTerminalTests {
    static var script: String? {
        ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `command` under `script -qc` (at most 60 s); its terminal output.
    static func onTerminal(_ command: String) throws -> String? {
        guard let script else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", script, "-qc", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theLineIsErasedBeforeTheTable() throws {
        guard
            let shown = try Self.onTerminal(
                "'\(cliBinary.path)' analyze '\(fixture("close-3way.pcap"))'")
        else {
            print("theLineIsErasedBeforeTheTable skipped: `script` (util-linux) is not installed")
            return
        }
        // The one batch's progress: 10 segments, the connection seen and not finished until the end.
        #expect(shown.contains("10 segments ("), "\(shown.debugDescription)")
        #expect(shown.contains("/s), 1 connections (1 not finished)\u{1B}[K"))
        // Erased (carriage return, erase to the end of the line) right before the table's header.
        #expect(shown.contains("\r\u{1B}[KID     CLIENT"), "\(shown.debugDescription)")
        let header = try #require(shown.range(of: "ID     CLIENT"))
        #expect(!shown[..<header.lowerBound].split(separator: "\r").last!.contains("segments"))
        // Nothing of the line after the summary.
        #expect(!shown[header.lowerBound...].contains("segments ("))
    }

    @Test func theLineCountsWhatItSays() {
        let line = AnalysisProgress(
            segments: 1_000, connections: 12, unfinished: 5, bytesRead: 3_000_000, totalBytes: 12_000_000)
        #expect(
            line.line(elapsed: 2)
                == "[#####---------------] 25% 3.0 of 12.0 MB, 1000 segments (500/s), 12 connections (5 not finished)")
        let stream = AnalysisProgress(segments: 10, connections: 3, unfinished: 1, bytesRead: 0, totalBytes: 0)
        #expect(stream.line(elapsed: 1) == "10 segments (10/s), 3 connections (1 not finished)")
    }

    @Test func aLargeCaptureCountsEveryConnection() throws {
        // 3,000 short connections, 20 ms apart: at the last progress report every one was seen, and the
        // bar's bytes are those of the segments tracked.
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        for k in 0..<3_000 {
            var f = FlowScript(
                clientPort: UInt16(10_000 + k), start: StreamingInputTests.t0 + Int64(k) * 20_000_000, link: .raw)
            f.handshake()
            f.data(.client, 10); f.ack(.server)
            f.fin(.client); f.ack(.server)
            f.fin(.server); f.ack(.client)
            for (record, time) in PcapWriter.records(f.bytes) { writer.append(record, at: time) }
        }
        let path = try temporaryFile(writer.bytes, name: "many-short.pcap")
        final class Reports: @unchecked Sendable {
            let lock = NSLock()
            var all: [AnalysisProgress] = []
        }
        let reports = Reports()
        var options = AnalysisOptions()
        options.progress = { p in reports.lock.withLock { reports.all.append(p) } }
        _ = try Analyzer.analyze(paths: [path], options: options, into: CollectingSink { "\($0.id)\n" })
        // One report per batch of 32,768 segments: 27,000 segments are one batch.
        let progress = reports.lock.withLock { reports.all }
        let last = try #require(progress.last)
        #expect(progress.count == 1)
        #expect(last.segments == writer.packetCount)
        #expect(last.connections == 3_000)
        #expect(last.unfinished < 100)
        #expect(last.bytesRead == Int64(writer.bytes.count) && last.totalBytes == Int64(writer.bytes.count))
    }
}
