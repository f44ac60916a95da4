import Dispatch
import FlyingFox
import FlyingSocks
import Foundation
import Prometheus
import TCPTrace

/// The HTTP endpoint of `live --metrics-listen`: `GET /metrics` answers the registry in the Prometheus text
/// format; anything else is 404.
///
/// The server runs as Swift tasks on the concurrency pool, never on the capture thread; a scrape reads the
/// registry's atomics and takes its short locks, and the capture loop never waits for it.
public final class MetricsServer: Sendable {
    public let address: MetricsAddress
    private let server: HTTPServer

    /// Why the endpoint could not be started; the description names the value given.
    public struct StartError: Error, CustomStringConvertible {
        public var address: MetricsAddress
        public var reason: String
        public var description: String { "--metrics-listen \(address): cannot listen: \(reason)" }
    }

    /// Binds and listens on `address`, then serves in the background. Returns once the socket listens, or
    /// throws `StartError` (address in use, not an address of this host, no permission for the port, or no
    /// answer within `timeout` seconds), so that the caller can fail before it opens the capture.
    public init(address: MetricsAddress, metrics: LiveMetrics, timeout: Double = 5) throws {
        self.address = address
        let registry = metrics.registry
        let socketAddress: any SocketAddress
        do {
            socketAddress =
                address.address.isIPv6
                ? try sockaddr_in6.inet6(ip6: address.address.description, port: address.port)
                : try sockaddr_in.inet(ip4: address.address.description, port: address.port)
        } catch {
            throw StartError(address: address, reason: "\(error)")
        }
        var routes = RoutedHTTPHandler()
        routes.appendRoute("GET /metrics") { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(registry.emitToBuffer()))
        }
        let server = HTTPServer(
            config: HTTPServer.Configuration(address: socketAddress, timeout: 15, logger: .disabled),
            handler: routes)
        self.server = server
        // Two answers race: the socket listens, or `run()` fails (bind, listen); the first one decides.
        let outcome = Outcome()
        let ready = DispatchSemaphore(value: 0)
        let running = Task.detached { try await server.run() }
        Task.detached {
            do {
                try await running.value
                outcome.set("the server stopped")
            } catch {
                outcome.set(MetricsServer.reason(error))
            }
            ready.signal()
        }
        Task.detached {
            do {
                try await server.waitUntilListening(timeout: timeout)
                outcome.set(nil)
            } catch {
                outcome.set("not listening after \(Int(timeout)) s")
            }
            ready.signal()
        }
        if ready.wait(timeout: .now() + timeout + 1) == .timedOut {
            outcome.set("no answer from the server within \(Int(timeout)) s")
        }
        if let reason = outcome.failure {
            running.cancel()
            throw StartError(address: address, reason: reason)
        }
    }

    /// `Address already in use`, from the socket error's errno when there is one.
    private static func reason(_ error: any Error) -> String {
        if case .failed(_, let code, _)? = error as? SocketError { return String(cString: strerror(code)) }
        return "\(error)"
    }

    /// Closes the listening socket.
    public func stop() {
        let server = self.server
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await server.stop(timeout: 1)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 2)
    }

    /// The first of "listening" and "failed" to be known; later answers are ignored.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var decided = false
        private var reason: String?

        func set(_ reason: String?) {
            lock.lock()
            defer { lock.unlock() }
            if !decided {
                decided = true
                self.reason = reason
            }
        }

        /// nil once listening.
        var failure: String? {
            lock.lock()
            defer { lock.unlock() }
            return decided ? reason : "not decided"
        }
    }
}
