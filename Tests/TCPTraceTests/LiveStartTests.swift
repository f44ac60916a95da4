import Foundation
import Testing

/// What `live` says at its start and end on `lo` (tcpdump's "listening on" line; libpcap's counters explained).
/// Needs root (CAP_NET_RAW): skipped with a printed reason otherwise.
@Suite(.serialized) struct LiveStartTests {
    @Test func listeningLineAndExplainedCounters() throws {
        guard getuid() == 0 else {
            print("listeningLineAndExplainedCounters skipped: live capture needs root (CAP_NET_RAW)")
            return
        }
        let port = 30_000 + Int(getpid() % 10_000)
        let live = Process()
        live.executableURL = cliBinary
        live.arguments = ["live", "-i", "lo", "--duration", "3", "tcp", "port", String(port)]
        let out = Pipe(), err = Pipe()
        live.standardOutput = out
        live.standardError = err
        try live.run()
        Thread.sleep(forTimeInterval: 1.0)  // the capture is open
        // One connection on lo: connect, 100 bytes each way, close.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', \(port))); s.listen()
            c = socket.create_connection(('127.0.0.1', \(port))); a, _ = s.accept()
            c.sendall(b'x' * 100); a.recv(100); a.sendall(b'y' * 100); c.recv(100); c.close(); a.close(); s.close()
            """,
        ]
        try python.run()
        python.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        live.waitUntilExit()
        #expect(live.terminationStatus == 0, "\(stderr)")
        // As tcpdump: the link type's name and description, and the handle's snapshot length.
        #expect(stderr.hasPrefix("listening on lo, link-type EN10MB (Ethernet), snapshot length 256 bytes\n"))
        let captured = try #require(
            stdout.split(separator: "\n").first { $0.hasPrefix("live: 1 connection(s) seen") })
        let count = try #require(captured.range(of: " packet(s) captured"))
        let packets = try #require(Int(captured[..<count.lowerBound].split(separator: " ").last ?? ""))
        #expect(packets >= 8)
        let kernel = try #require(stdout.split(separator: "\n").first { $0.hasPrefix("kernel: ") })
        // On lo the kernel counts each packet as it is sent and as it arrives; libpcap keeps one of the two.
        #expect(kernel.hasPrefix("kernel: \(2 * packets) received by filter (packets that passed the capture filter"))
        #expect(kernel.contains("on lo each packet twice, as it is sent and as it arrives"))
        #expect(kernel.contains("0 dropped by kernel (no room in the capture buffer)"))
    }
}
