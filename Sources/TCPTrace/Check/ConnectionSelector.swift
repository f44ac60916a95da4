/// Which connections a rule applies to; every given field must match. Empty: all connections.
public struct ConnectionSelector: Sendable, Equatable, CustomStringConvertible {
    public var id: Int?
    public var client: IPAddress?
    public var server: IPAddress?
    public var clientPort: UInt16?
    public var serverPort: UInt16?
    /// The connection's place (1-based, by first frame) among the trace's connections to the same server
    /// address and port: what stays when a re-capture of the same behaviour draws other ephemeral ports and
    /// ids (`check --init` writes it with `server` and `server_port`).
    public var nth: Int?

    public init(
        id: Int? = nil, client: IPAddress? = nil, server: IPAddress? = nil, clientPort: UInt16? = nil,
        serverPort: UInt16? = nil, nth: Int? = nil
    ) {
        self.id = id
        self.client = client
        self.server = server
        self.clientPort = clientPort
        self.serverPort = serverPort
        self.nth = nth
    }

    /// Each connection's place among the connections to its server endpoint (`nth`), by id.
    public static func serverOrdinals(_ connections: [Connection]) -> [Int: Int] {
        var seen: [Endpoint: Int] = [:]
        var ordinals: [Int: Int] = [:]
        for c in connections.sorted(by: { $0.firstFrame < $1.firstFrame }) {
            let n = seen[c.server.endpoint, default: 0] + 1
            seen[c.server.endpoint] = n
            ordinals[c.id] = n
        }
        return ordinals
    }

    /// `ordinals`: `serverOrdinals` of the whole trace (`Analysis.serverOrdinals`; needed only with `nth`).
    public func matches(_ c: Connection, ordinals: [Int: Int] = [:]) -> Bool {
        (nth.map { $0 == ordinals[c.id] } ?? true)
            && (id.map { $0 == c.id } ?? true)
            && (client.map { $0 == c.client.endpoint.address } ?? true)
            && (server.map { $0 == c.server.endpoint.address } ?? true)
            && (clientPort.map { $0 == c.client.endpoint.port } ?? true)
            && (serverPort.map { $0 == c.server.endpoint.port } ?? true)
    }

    public var isEmpty: Bool { self == ConnectionSelector() }

    public var description: String {
        var parts: [String] = []
        if let id { parts.append("id \(id)") }
        if let client { parts.append("client \(client)") }
        if let clientPort { parts.append("client_port \(clientPort)") }
        if let server { parts.append("server \(server)") }
        if let serverPort { parts.append("server_port \(serverPort)") }
        if let nth { parts.append("nth \(nth)") }
        return parts.isEmpty ? "all connections" : parts.joined(separator: ", ")
    }
}
