import Foundation
import Yams

/// Reads the expectation language (docs/check.md) from YAML, strictly: an unknown key, code, state
/// or value is an error naming its line.
public enum ExpectationParser {
    static let topKeys = ["description", "connections", "rules", "options"]
    static let ruleKeys = [
        "name", "match", "handshake", "close", "initiator", "states", "conn_state", "time_wait",
        "findings", "no_findings", "fail_on", "max_duration", "max_handshake_rtt",
    ]
    static let matchKeys = ["id", "client", "server", "client_port", "server_port", "nth"]
    static let connStates = [
        "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
    ]

    public static func parse(_ text: String, path: String) throws(ExpectationError) -> ExpectationFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ExpectationError(path: path, line: nil, message: "invalid YAML: \(error)")
        }
        guard let root else { throw ExpectationError(path: path, line: nil, message: "the file is empty") }
        let p = Reader(path: path)
        let top = try p.mapping(root, what: "the document")
        try p.checkKeys(top, allowed: topKeys)
        var file = ExpectationFile(source: path, connections: nil, rules: [])
        for (key, value) in top {
            switch key.string ?? "" {
            case "connections": file.connections = try p.countRange(value)
            case "rules":
                guard let list = value.sequence else { throw p.error(value, "rules must be a list") }
                for item in list { file.rules.append(try rule(item, reader: p)) }
            case "options":
                let map = try p.mapping(value, what: "options")
                try p.checkKeys(map, allowed: ["port_range"])
                if let range = map["port_range"] {
                    let text = try p.scalar(range)
                    let parts = text.split(separator: "-").compactMap { Int($0) }
                    guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1], parts[1] <= 65535 else {
                        throw p.error(range, "`\(text)` is not a port range LOW-HIGH")
                    }
                    file.portRange = parts[0]...parts[1]
                }
            default: break
            }
        }
        if file.connections == nil && file.rules.isEmpty {
            throw ExpectationError(
                path: path, line: root.mark?.line, message: "no `connections` and no `rules`: nothing to check")
        }
        return file
    }

    static func rule(_ node: Node, reader p: Reader) throws(ExpectationError) -> ExpectationRule {
        let map = try p.mapping(node, what: "a rule")
        try p.checkKeys(map, allowed: ruleKeys)
        var rule = ExpectationRule(name: nil, line: node.mark?.line ?? 0, selector: ConnectionSelector(), clauses: [])
        for (key, value) in map {
            switch key.string ?? "" {
            case "name": rule.name = try p.scalar(value)
            case "match": rule.selector = try selector(value, reader: p)
            case "handshake":
                rule.clauses.append(
                    .handshake(
                        try p.list(
                            value,
                            parse: { (n: Node) throws(ExpectationError) in
                                try p.enumValue(n, HandshakeOutcome.self)
                            })))
            case "close":
                rule.clauses.append(
                    .close(
                        try p.list(
                            value,
                            parse: { (n: Node) throws(ExpectationError) in
                                try p.enumValue(n, CloseKind.self)
                            })))
            case "initiator":
                rule.clauses.append(
                    .initiator(
                        try p.list(
                            value,
                            parse: { (n: Node) throws(ExpectationError) in
                                try p.optionalSide(n)
                            })))
            case "time_wait":
                rule.clauses.append(
                    .timeWait(
                        try p.list(
                            value,
                            parse: { (n: Node) throws(ExpectationError) in
                                try p.optionalSide(n)
                            })))
            case "conn_state":
                rule.clauses.append(
                    .connState(
                        try p.list(
                            value,
                            parse: { (n: Node) throws(ExpectationError) in
                                let s = try p.scalar(n)
                                guard connStates.contains(s) else {
                                    throw p.error(
                                        n, "unknown conn_state `\(s)` (one of \(connStates.joined(separator: ", ")))")
                                }
                                return s
                            })))
            case "states":
                let states = try p.mapping(value, what: "states")
                try p.checkKeys(states, allowed: ["client", "server"])
                for (side, state) in states {
                    let parsed = try p.enumValue(state, TCPState.self)
                    rule.clauses.append(side.string == "client" ? .clientState(parsed) : .serverState(parsed))
                }
            case "findings":
                guard let list = value.sequence else { throw p.error(value, "findings must be a list") }
                for item in list { rule.clauses.append(.findingPresent(try requiredFinding(item, reader: p))) }
            case "no_findings":
                for code in try p.list(
                    value, parse: { (n: Node) throws(ExpectationError) in try p.enumValue(n, FindingCode.self) })
                {
                    rule.clauses.append(.findingAbsent(code))
                }
            case "fail_on": rule.clauses.append(.failOn(try p.enumValue(value, Severity.self)))
            case "max_duration": rule.clauses.append(.maxDuration(try p.seconds(value)))
            case "max_handshake_rtt": rule.clauses.append(.maxHandshakeRTT(try p.seconds(value)))
            default: break
            }
        }
        return rule
    }

    static func selector(_ node: Node, reader p: Reader) throws(ExpectationError) -> ConnectionSelector {
        let map = try p.mapping(node, what: "match")
        try p.checkKeys(map, allowed: matchKeys)
        var s = ConnectionSelector()
        for (key, value) in map {
            switch key.string ?? "" {
            case "id": s.id = try p.integer(value, min: 1)
            case "client", "server":
                let text = try p.scalar(value)
                guard let address = IPAddress(text) else { throw p.error(value, "`\(text)` is not an IP address") }
                if key.string == "client" { s.client = address } else { s.server = address }
            case "client_port": s.clientPort = UInt16(try p.integer(value, min: 0, max: 65535))
            case "server_port": s.serverPort = UInt16(try p.integer(value, min: 0, max: 65535))
            case "nth": s.nth = try p.integer(value, min: 1)
            default: break
            }
        }
        return s
    }

    static func requiredFinding(_ node: Node, reader p: Reader) throws(ExpectationError) -> RequiredFinding {
        if node.scalar != nil { return RequiredFinding(code: try p.enumValue(node, FindingCode.self)) }
        let map = try p.mapping(node, what: "a finding")
        try p.checkKeys(map, allowed: ["code", "count", "frame"])
        guard let codeNode = map["code"] else { throw p.error(node, "a finding needs a `code`") }
        var finding = RequiredFinding(code: try p.enumValue(codeNode, FindingCode.self))
        if let count = map["count"] { finding.count = try p.integer(count, min: 1) }
        if let frame = map["frame"] { finding.frame = try p.integer(frame, min: 1) }
        return finding
    }

    /// Typed access to nodes with errors that carry the node's line.
    struct Reader {
        let path: String

        func error(_ node: Node, _ message: String) -> ExpectationError {
            ExpectationError(path: path, line: node.mark?.line, message: message)
        }

        func mapping(_ node: Node, what: String) throws(ExpectationError) -> Node.Mapping {
            guard let m = node.mapping else { throw error(node, "\(what) must be a mapping of keys to values") }
            return m
        }

        func checkKeys(_ map: Node.Mapping, allowed: [String]) throws(ExpectationError) {
            for key in map.keys {
                guard let name = key.string, allowed.contains(name) else {
                    throw error(key, "unknown key `\(key.string ?? "?")` (allowed: \(allowed.joined(separator: ", ")))")
                }
            }
        }

        func scalar(_ node: Node) throws(ExpectationError) -> String {
            guard let s = node.scalar?.string else { throw error(node, "expected a single value") }
            return s
        }

        func integer(_ node: Node, min: Int, max: Int = Int.max) throws(ExpectationError) -> Int {
            let s = try scalar(node)
            guard let n = Int(s), n >= min, n <= max else {
                throw error(node, "`\(s)` is not a whole number in \(min)...\(max)")
            }
            return n
        }

        func seconds(_ node: Node) throws(ExpectationError) -> Double {
            let s = try scalar(node)
            guard let d = Double(s), d.isFinite, d >= 0 else { throw error(node, "`\(s)` is not a number of seconds") }
            return d
        }

        func enumValue<T: RawRepresentable & CaseIterable>(_ node: Node, _ type: T.Type) throws(ExpectationError) -> T
        where T.RawValue == String {
            let s = try scalar(node)
            guard let v = T(rawValue: s) else {
                throw error(node, "unknown value `\(s)` (one of \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return v
        }

        func optionalSide(_ node: Node) throws(ExpectationError) -> Initiator? {
            let s = try scalar(node)
            if s == "none" { return nil }
            guard let v = Initiator(rawValue: s) else {
                throw error(node, "unknown value `\(s)` (one of client, server, both, none)")
            }
            return v
        }

        func list<T>(_ node: Node, parse: (Node) throws(ExpectationError) -> T) throws(ExpectationError) -> [T] {
            if let items = node.sequence {
                var result: [T] = []
                for item in items { result.append(try parse(item)) }
                guard !result.isEmpty else { throw error(node, "an empty list allows nothing") }
                return result
            }
            return [try parse(node)]
        }

        func countRange(_ node: Node) throws(ExpectationError) -> CountRange {
            if let map = node.mapping {
                try checkKeys(map, allowed: ["min", "max"])
                return CountRange(
                    min: try map["min"].map { (n: Node) throws(ExpectationError) in try integer(n, min: 0) },
                    max: try map["max"].map { (n: Node) throws(ExpectationError) in try integer(n, min: 0) })
            }
            let s = try scalar(node)
            if let n = Int(s), n >= 0 { return CountRange(min: n, max: n) }
            let parts = s.components(separatedBy: "..")
            if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b, a >= 0 {
                return CountRange(min: a, max: b)
            }
            throw error(node, "`\(s)` is not a count (`3`, `2..5` or {min: 2, max: 5})")
        }
    }
}

extension Initiator: CaseIterable {
    public static let allCases: [Initiator] = [.client, .server, .both]
}
