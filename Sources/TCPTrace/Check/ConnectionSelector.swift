/// Which connections a rule applies to; every given field must match. Empty: all connections.
public struct ConnectionSelector: Sendable, Equatable, CustomStringConvertible {
    public var id: Int?
    public var client: IPAddress?
    public var server: IPAddress?
    public var clientPort: UInt16?
    public var serverPort: UInt16?

    public init(
        id: Int? = nil, client: IPAddress? = nil, server: IPAddress? = nil, clientPort: UInt16? = nil,
        serverPort: UInt16? = nil
    ) {
        self.id = id
        self.client = client
        self.server = server
        self.clientPort = clientPort
        self.serverPort = serverPort
    }

    public func matches(_ c: Connection) -> Bool {
        (id.map { $0 == c.id } ?? true)
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
        return parts.isEmpty ? "all connections" : parts.joined(separator: ", ")
    }
}
