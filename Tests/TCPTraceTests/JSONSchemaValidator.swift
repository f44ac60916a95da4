import Foundation

/// A parsed JSON value (decoded strictly: a number never passes as a boolean).
indirect enum JSONNode: Decodable, Equatable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONNode]), object([String: JSONNode])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONNode].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONNode].self))
        }
    }

    static func parse(_ text: String) throws -> JSONNode {
        try JSONDecoder().decode(JSONNode.self, from: Data(text.utf8))
    }

    subscript(key: String) -> JSONNode? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    var numeric: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
}

/// Validates a document against the subset of JSON Schema 2020-12 our schema uses: type, const, enum,
/// properties, required, additionalProperties, propertyNames, items, minimum, maximum and local $ref.
/// Returns every violation with its JSON path (empty when valid).
struct JSONSchemaValidator {
    let root: JSONNode

    func validate(_ value: JSONNode) -> [String] {
        var errors: [String] = []
        check(value, against: root, path: "$", errors: &errors)
        return errors
    }

    private func resolve(_ schema: JSONNode) -> JSONNode {
        guard case .string(let ref)? = schema["$ref"], ref.hasPrefix("#/") else { return schema }
        var node = root
        for part in ref.dropFirst(2).split(separator: "/") { node = node[String(part)] ?? .null }
        return resolve(node)
    }

    private func matchesType(_ value: JSONNode, _ type: String) -> Bool {
        switch type {
        case "number": value.numeric != nil
        case "integer": if case .integer = value { true } else { false }
        default: value.typeName == type
        }
    }

    private func check(_ value: JSONNode, against raw: JSONNode, path: String, errors: inout [String]) {
        let schema = resolve(raw)
        if let type = schema["type"] {
            let allowed: [String]
            switch type {
            case .string(let t): allowed = [t]
            case .array(let ts): allowed = ts.compactMap { if case .string(let t) = $0 { t } else { nil } }
            default: allowed = []
            }
            if !allowed.contains(where: { matchesType(value, $0) }) {
                errors.append("\(path): \(value.typeName) is not \(allowed.joined(separator: "|"))")
                return
            }
        }
        if let constant = schema["const"], constant != value { errors.append("\(path): not the constant \(constant)") }
        if case .array(let options)? = schema["enum"], !options.contains(value) {
            errors.append("\(path): \(value) is not one of the enumerated values")
        }
        if let n = value.numeric {
            if let min = schema["minimum"]?.numeric, n < min { errors.append("\(path): \(n) < minimum \(min)") }
            if let max = schema["maximum"]?.numeric, n > max { errors.append("\(path): \(n) > maximum \(max)") }
        }
        if case .object(let members) = value {
            let properties: [String: JSONNode]
            if case .object(let p)? = schema["properties"] { properties = p } else { properties = [:] }
            if case .array(let required)? = schema["required"] {
                for case .string(let key) in required where members[key] == nil {
                    errors.append("\(path): missing required \"\(key)\"")
                }
            }
            for (key, member) in members {
                if let names = schema["propertyNames"] {
                    check(.string(key), against: names, path: "\(path).\(key) (name)", errors: &errors)
                }
                if let sub = properties[key] {
                    check(member, against: sub, path: "\(path).\(key)", errors: &errors)
                } else if let extra = schema["additionalProperties"] {
                    if extra == .bool(false) {
                        errors.append("\(path): unexpected property \"\(key)\"")
                    } else if case .object = extra {
                        check(member, against: extra, path: "\(path).\(key)", errors: &errors)
                    }
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() {
                check(item, against: itemSchema, path: "\(path)[\(i)]", errors: &errors)
            }
        }
    }
}
