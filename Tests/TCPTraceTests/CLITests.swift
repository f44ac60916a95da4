import Foundation
import PcapSynth
import TCPTrace
import Testing

/// Runs the built `tcptrace-swift` binary and checks stdout, stderr and the exit code.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runCLI(
    _ arguments: [String], stdin: Data? = nil, executable: String? = nil, environment: [String: String] = [:],
    directory: URL? = nil
) throws -> CLIResult {
    let process = Process()
    process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? cliBinary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// The binary sits beside the test bundle in the build folder.
let cliBinary: URL = {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "tcptrace-swift"),
        packageRoot.appendingPathComponent(".build/debug/tcptrace-swift"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
}()

@Suite(.serialized) struct CLITests {
    @Test func analyzesAFixture() throws {
        let r = try runCLI(["analyze", fixture("synthetic/sequence-wrap.pcap")])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        // The 120-column table (docs/output.md): 6 + 5 packets, 10 ms, a four-way close the client began, the
        // client in TIME_WAIT and the server CLOSED.
        #expect(
            r.stdout.contains(
                "\n1      10.0.0.1:40000        10.0.0.2:80           11     10.0ms ok      4way/c  TW/CL -\n"))
        // --wide keeps the first versions' columns.
        let wide = try runCLI(["analyze", fixture("synthetic/sequence-wrap.pcap"), "--wide"])
        #expect(
            wide.stdout.contains(
                "\n1     10.0.0.1:40000         10.0.0.2:80            6/5            10/400           1-11         "
                    + "0.010s     complete           four-way      client  TIME_WAIT     CLOSED        -\n"))
        #expect(r.stdout.contains("packets 11, TCP segments 11, non-TCP 0, truncated 0"))
    }

    @Test func missingFileExits2() throws {
        let r = try runCLI(["analyze", "/nonexistent/capture.pcap"])
        #expect(r.status == 2)
        #expect(r.stderr == "tcptrace-swift: /nonexistent/capture.pcap: no such file\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func notACaptureExits2() throws {
        let path = try temporaryFile(Array("hello, I am text and not a pcap".utf8), name: "notes.txt")
        let r = try runCLI(["analyze", path])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("tcptrace-swift: \(path): not a capture file libpcap can read: unknown file format"))
    }

    @Test func emptyFileExits2() throws {
        let path = try temporaryFile([], name: "empty.pcap")
        let r = try runCLI(["analyze", path])
        #expect(r.status == 2)
        #expect(r.stderr == "tcptrace-swift: \(path): not a capture file libpcap can read: the file is empty\n")
    }

    @Test func unreadableFileExits2() throws {
        let r = try runCLI(["analyze", FileManager.default.temporaryDirectory.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(": cannot read: is a directory"))
    }

    @Test func unsupportedLinkTypeExits2() throws {
        var w = PcapWriter(linkType: 147)
        w.append([0, 1, 2, 3], at: 0)
        let path = try temporaryFile(w.bytes, name: "user0.pcap")
        let r = try runCLI(["analyze", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(path): unsupported link type DLT_147 (147); supported: NULL, EN10MB, RAW"))
    }

    @Test func truncatedCaptureExits3WithPartialResults() throws {
        let cut = Array(scenario("raw-ip").dropLast(10))
        let path = try temporaryFile(cut, name: "cut.pcap")
        let r = try runCLI(["analyze", path])
        #expect(r.status == 3)
        #expect(r.stderr.hasPrefix("warning: \(path): capture cut off after 8 packets (truncated dump file"))
        #expect(r.stdout.contains("packets 8, TCP segments 8"))
        #expect(r.stdout.contains("1 connection(s)"))
    }

    @Test func usageErrorsExit2() throws {
        let noFiles = try runCLI(["analyze"])
        #expect(noFiles.status == 2)
        #expect(noFiles.stderr.contains("Missing expected argument"))
        let badFormat = try runCLI(["analyze", "--format", "xml", "x.pcap"])
        #expect(badFormat.status == 2)
        let stdinAndFile = try runCLI(["analyze", "-", "x.pcap"])
        #expect(stdinAndFile.status == 2)
        #expect(stdinAndFile.stderr.contains("'-' (standard input) cannot be combined with other files"))
        // Timelines are text: asking for them in JSON is refused, not answered in text.
        for args in [["--verbose", "--format", "json"], ["--connection", "1", "--format", "jsonl"]] {
            let timelines = try runCLI(["analyze", fixture("half-close.pcap")] + args)
            #expect(timelines.status == 2)
            #expect(timelines.stdout.isEmpty)
            #expect(timelines.stderr.contains("cannot be combined with --format"))
        }
    }

    @Test func readsStandardInput() throws {
        let r = try runCLI(["analyze", "-", "--format", "jsonl"], stdin: Data(scenario("raw-ip")))
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines[0].contains("\"close\":{\"kind\":\"four-way\",\"initiator\":\"client\""))
    }

    @Test func failOnSeverity() throws {
        let path = fixture("synthetic/data-after-fin.pcap")
        #expect(try runCLI(["analyze", path, "--fail-on", "error"]).status == 1)
        #expect(try runCLI(["analyze", fixture("synthetic/sequence-wrap.pcap"), "--fail-on", "info"]).status == 0)
        // simultaneous-open is info only: fails at info, passes at warning.
        #expect(try runCLI(["analyze", fixture("synthetic/simultaneous-open.pcap"), "--fail-on", "info"]).status == 1)
        #expect(
            try runCLI(["analyze", fixture("synthetic/simultaneous-open.pcap"), "--fail-on", "warning"]).status == 0)
    }

    @Test func timelineOfOneConnection() throws {
        let r = try runCLI(["analyze", fixture("synthetic/rst-in-time-wait.pcap"), "--connection", "1"])
        #expect(r.status == 0)
        // Frame 7: the client's final ACK of the server FIN puts it in TIME_WAIT (relative seq 2, ack 2).
        // The window field 65535 scaled by 7 (both SYNs carried ws=7; RFC 7323 2.2): 8388480.
        #expect(
            r.stdout.contains(
                "7      0.006000  C→S  ACK      2    2    0    8388480                                 TIME_WAIT    CLOSED"
            ))
        #expect(r.stdout.contains("[warning] rst-in-time-wait at frame 8"))
    }
}

@Suite(.serialized) struct CheckCLITests {
    @Test func exitCodes() throws {
        let folder = URL(fileURLWithPath: try temporaryFile(scenario("raw-ip"), name: "ok.pcap"))
            .deletingLastPathComponent()
        let capture = folder.appendingPathComponent("ok.pcap").path
        // No sidecar: default policy (no error finding) passes.
        var r = try runCLI(["check", folder.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("1 passed, 0 failed\n"))
        // A failing expectation: exit 1.
        try "rules: [{close: reset}]\n".write(
            toFile: folder.appendingPathComponent("ok.expect.yaml").path,
            atomically: true, encoding: .utf8)
        r = try runCLI(["check", capture, "--junit", folder.appendingPathComponent("junit.xml").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("expected close reset, saw four-way by client (first FIN at frame 6)"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("junit.xml").path))
        // An invalid expectation file: exit 2.
        try "rules: [{close: sideways}]\n".write(
            toFile: folder.appendingPathComponent("ok.expect.yaml").path,
            atomically: true, encoding: .utf8)
        r = try runCLI(["check", capture])
        #expect(r.status == 2)
        #expect(r.stdout.contains("ok.expect.yaml:1: unknown value `sideways`"))
        // An unreadable capture: exit 2.
        r = try runCLI(["check", "/nonexistent/x.pcap"])
        #expect(r.status == 2)
        #expect(r.stdout.contains("ERROR /nonexistent/x.pcap: /nonexistent/x.pcap: no such file"))
    }

    @Test func initWritesAndRefusesToOverwrite() throws {
        let capture = try temporaryFile(scenario("stale-syn"), name: "s.pcap")
        let sidecar = CheckSession.sidecar(for: capture)
        var r = try runCLI(["check", "--init", capture])
        #expect(r.status == 0 && r.stdout == "wrote \(sidecar)\n")
        #expect(try runCLI(["check", capture]).status == 0)
        r = try runCLI(["check", "--init", capture])
        #expect(r.status == 2 && r.stderr.contains("exists; use --force"))
        #expect(try runCLI(["check", "--init", "--force", capture]).status == 0)
    }

    @Test func jsonResults() throws {
        let capture = try temporaryFile(scenario("data-after-fin"), name: "d.pcap")
        let r = try runCLI(["check", capture, "--format", "json"])
        #expect(r.status == 1)
        let doc = try JSONNode.parse(r.stdout)
        #expect(doc["failed"] == .integer(1) && doc["passed"] == .integer(0))
        #expect(doc["schema"] == .string("tcptrace-swift-check/1"))
    }
}
