/// An expectation file (`X.expect.yaml`): what a capture must show. docs/check.md documents the
/// language; `ExpectationParser` reads it.
public struct ExpectationFile: Sendable {
    /// Where it came from (a path, or `default policy`).
    public var source: String
    public var connections: CountRange?
    public var rules: [ExpectationRule]
    /// `options: {port_range: LOW-HIGH}`: the clients' ephemeral port range for the host view.
    public var portRange: ClosedRange<Int>? = nil

    /// The policy for a capture without an expectation file: no finding of severity error.
    public static let defaultPolicy = ExpectationFile(
        source: "default policy", connections: nil,
        rules: [ExpectationRule(name: nil, line: 0, selector: ConnectionSelector(), clauses: [.failOn(.error)])])
}

/// An exact count or an inclusive range (`2`, `2..5`, `{min: 2}`).
public struct CountRange: Sendable, Equatable, CustomStringConvertible {
    public var min: Int?
    public var max: Int?

    public func contains(_ n: Int) -> Bool { (min.map { n >= $0 } ?? true) && (max.map { n <= $0 } ?? true) }

    public var description: String {
        switch (min, max) {
        case let (a?, b?) where a == b: "\(a)"
        case let (a?, b?): "\(a)..\(b)"
        case let (a?, nil): "at least \(a)"
        case let (nil, b?): "at most \(b)"
        default: "any number"
        }
    }
}

/// Which connections a rule applies to; every given field must match. Empty: all connections.
public struct ConnectionSelector: Sendable, Equatable, CustomStringConvertible {
    public var id: Int?
    public var client: IPAddress?
    public var server: IPAddress?
    public var clientPort: UInt16?
    public var serverPort: UInt16?

    public init(id: Int? = nil, client: IPAddress? = nil, server: IPAddress? = nil, clientPort: UInt16? = nil,
                serverPort: UInt16? = nil) {
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

/// A finding that must appear: its code, and optionally how many times and at which frame.
public struct RequiredFinding: Sendable, Equatable {
    public var code: FindingCode
    public var count: Int?
    public var frame: Int?
}

/// One checkable statement about the selected connections.
public enum ExpectationClause: Sendable, Equatable {
    case handshake([HandshakeOutcome])
    case close([CloseKind])
    /// nil in the list means "no initiator" (`none`).
    case initiator([Initiator?])
    case clientState(TCPState)
    case serverState(TCPState)
    case connState([String])
    case timeWait([Initiator?])
    case findingPresent(RequiredFinding)
    case findingAbsent(FindingCode)
    case failOn(Severity)
    case maxDuration(Double)
    case maxHandshakeRTT(Double)
}

/// A `rules:` entry: a selector and the clauses that must hold for every connection it selects.
public struct ExpectationRule: Sendable {
    public var name: String?
    /// Line of the rule in its file (0 for built-in policies).
    public var line: Int
    public var selector: ConnectionSelector
    public var clauses: [ExpectationClause]
}
