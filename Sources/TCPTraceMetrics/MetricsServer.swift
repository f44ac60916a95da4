import FlyingSocks
import Foundation
import Prometheus
import TCPTrace

/// The HTTP endpoint of `live --metrics-listen`: `GET /metrics` answers the registry in the Prometheus text
/// format; any other path is 404, any other method 405.
///
/// It stands on FlyingSocks (FlyingFox's socket layer: non-blocking sockets and a poll loop for Swift
/// concurrency) and answers HTTP/1.1 requests itself, one request per connection (`Connection: close`):
/// FlyingFox's HTTP server imports FoundationNetworking, which linked libcurl and some thirty shared libraries
/// into every command of the binary (7.7 MB more resident memory at start-up, for `analyze` too).
///
/// The server runs as Swift tasks on the concurrency pool, never on the capture thread; a scrape reads the
/// registry's atomics and takes its short locks, and the capture loop never waits for it. Each connection is
/// its own task, so a client that stalls holds only its own connection, for at most `requestTimeout`.
public final class MetricsServer: Sendable {
    public let address: MetricsAddress
    private let socket: Socket
    private let task: Task<Void, Never>

    /// Longest wait for a request's head, and the longest head read (a scrape's is a few hundred bytes).
    static let requestTimeout: Double = 15
    static let maxHeadBytes = 16 << 10

    /// Why the endpoint could not be started; the description names the value given.
    public struct StartError: Error, CustomStringConvertible {
        public var address: MetricsAddress
        public var reason: String
        public var description: String { "--metrics-listen \(address): cannot listen: \(reason)" }
    }

    /// Binds and listens on `address`, then serves in the background. Throws `StartError` (address in use,
    /// not an address of this host, no permission for the port) before anything is served, so that the
    /// caller can fail before it opens the capture.
    public init(address: MetricsAddress, metrics: LiveMetrics) throws {
        self.address = address
        let registry = metrics.registry
        let listening: Socket
        do {
            if address.address.isIPv6 {
                listening = try MetricsServer.listen(
                    try sockaddr_in6.inet6(ip6: address.address.description, port: address.port))
            } else {
                listening = try MetricsServer.listen(
                    try sockaddr_in.inet(ip4: address.address.description, port: address.port))
            }
        } catch {
            throw StartError(address: address, reason: MetricsServer.reason(error))
        }
        socket = listening
        task = Task.detached(executorPreference: EndpointExecutor()) {
            await MetricsServer.serve(listening, registry: registry)
        }
    }

    /// A socket bound to `address` and listening (synchronous: a bind error is thrown here).
    private static func listen(_ address: some SocketAddress) throws -> Socket {
        let socket = try Socket(domain: Int32(type(of: address).family))
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: address)
            try socket.listen()
        } catch {
            try? socket.close()
            throw error
        }
        return socket
    }

    /// `Address already in use`, from the socket error's errno when there is one.
    private static func reason(_ error: any Error) -> String {
        if case .failed(_, let code, _)? = error as? SocketError { return String(cString: strerror(code)) }
        return "\(error)"
    }

    /// Accepts connections until the socket is closed (`stop`), each answered in its own task.
    private static func serve(_ socket: Socket, registry: PrometheusCollectorRegistry) async {
        let pool: some AsyncSocketPool = .make(maxEvents: 20)
        do {
            try await pool.prepare()
            let listener = try AsyncSocket(socket: socket, pool: pool)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                group.addTask {
                    await withDiscardingTaskGroup { clients in
                        do {
                            for try await client in listener.sockets {
                                clients.addTask { await answer(client, registry: registry) }
                            }
                        } catch {
                            // The listening socket was closed.
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        } catch {
            // The pool or the listener failed: the endpoint stops; the capture goes on.
        }
    }

    /// Reads one request's head (up to the blank line) and answers it.
    static func answer(_ client: AsyncSocket, registry: PrometheusCollectorRegistry) async {
        defer { try? client.close() }
        guard let head = await readHead(client), let request = RequestLine(head) else { return }
        let response: [UInt8]
        if request.path != "/metrics" && !request.path.hasPrefix("/metrics?") {
            response = MetricsServer.response(status: "404 Not Found", body: Array("not found: try /metrics\n".utf8))
        } else if request.method != "GET" && request.method != "HEAD" {
            response = MetricsServer.response(status: "405 Method Not Allowed", body: Array("GET /metrics\n".utf8))
        } else {
            let body = registry.emitToBuffer()
            response = MetricsServer.response(
                status: "200 OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: body,
                omitBody: request.method == "HEAD")
        }
        try? await client.write(Data(response))
    }

    /// The request's head, or nil when the client closed, sent more than `maxHeadBytes` without a blank line,
    /// or did not finish it within `requestTimeout`.
    private static func readHead(_ client: AsyncSocket) async -> [UInt8]? {
        await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                while bytes.count < maxHeadBytes {
                    guard let chunk = try? await client.read(atMost: 4096), !chunk.isEmpty else { return nil }
                    bytes += chunk
                    if RequestLine.endOfHead(bytes) != nil { return bytes }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(requestTimeout * 1e9))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// An HTTP/1.1 response that closes the connection.
    static func response(
        status: String, contentType: String = "text/plain; charset=utf-8", body: [UInt8], omitBody: Bool = false
    ) -> [UInt8] {
        let head =
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n"
        return Array(head.utf8) + (omitBody ? [] : body)
    }

    /// Closes the listening socket and stops serving.
    public func stop() {
        try? socket.close()
        task.cancel()
    }
}

/// Runs the endpoint's tasks (and the socket pool's actor, a default actor) on a serial dispatch queue of their
/// own rather than on the shared concurrency pool, so the endpoint answers even while every thread of that pool
/// is busy: a test process running other work beside it (where a scrape once waited past its 5 s timeout), or a
/// program that embeds the library and blocks the pool's threads.
final class EndpointExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "tcptrace-swift.metrics-endpoint")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// The first line of an HTTP/1.x request (RFC 9112 3): method, target, version, separated by single spaces.
struct RequestLine: Equatable {
    var method: String
    var path: String

    /// From a request's head; nil when its first line is not `METHOD SP TARGET SP HTTP/1.x`.
    init?(_ head: [UInt8]) {
        guard let end = head.firstIndex(of: UInt8(ascii: "\r")) ?? head.firstIndex(of: UInt8(ascii: "\n")) else {
            return nil
        }
        let parts = head[..<end].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].first == UInt8(ascii: "/"),
            parts[2].starts(with: Array("HTTP/1.".utf8))
        else { return nil }
        method = String(decoding: parts[0], as: UTF8.self)
        path = String(decoding: parts[1], as: UTF8.self)
    }

    init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    /// Where the head ends (after its blank line: CRLF CRLF, or LF LF as RFC 9112 2.2 lets a server accept).
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") { return i + 2 }
                if i + 2 < bytes.count && bytes[i + 1] == UInt8(ascii: "\r") && bytes[i + 2] == UInt8(ascii: "\n") {
                    return i + 3
                }
            }
            i += 1
        }
        return nil
    }
}
