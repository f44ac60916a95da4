import Foundation
import Testing

@testable import TCPTrace

/// The name table (`JSONKey`) against the documents that make the names a public interface: the schema of
/// `analyze`'s JSON, docs/live.md for the live events and docs/check.md for `check --format json`.
@Suite struct JSONKeyTests {
    /// Names the live events and the check results use that the analysis document does not. Spelled here,
    /// not taken from the table, so that a name added to the table for either has to be added here on purpose.
    static let liveOnly: Set = ["event", "finding", "received", "dropped_kernel", "dropped_interface"]
    static let checkOnly: Set = [
        "captures", "capture", "expectations", "results", "name", "passed", "message",
        "failed", "errors",
    ]

    /// Every property name the schema declares, anywhere in it.
    static func schemaNames() throws -> Set<String> {
        let text = try String(contentsOfFile: JSONReportTests.schemaPath, encoding: .utf8)
        var names: Set<String> = []
        func walk(_ node: JSONNode) {
            switch node {
            case .object(let members):
                if case .object(let properties)? = members["properties"] { names.formUnion(properties.keys) }
                members.values.forEach(walk)
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(try JSONNode.parse(text))
        return names
    }

    @Test func everyNameIsInTheSchemaOrDocumented() throws {
        let schema = try Self.schemaNames()
        let live = try String(contentsOf: packageRoot.appendingPathComponent("docs/live.md"), encoding: .utf8)
        let check = try String(contentsOf: packageRoot.appendingPathComponent("docs/check.md"), encoding: .utf8)
        for key in JSONKey.allCases {
            let name = key.string, inSchema = schema.contains(name)
            if Self.liveOnly.contains(name) {
                let documented = live.contains("`\(name)`")
                #expect(documented, "\(name) is not in docs/live.md")
                #expect(!inSchema, "\(name) is in the schema: drop it from liveOnly")
            } else if Self.checkOnly.contains(name) {
                let documented = check.contains(name)
                #expect(documented, "\(name) is not in docs/check.md")
                #expect(!inSchema, "\(name) is in the schema: drop it from checkOnly")
            } else {
                #expect(inSchema, "\(key) (\"\(name)\") is not a property of the schema")
            }
        }
        for name in Self.liveOnly.union(Self.checkOnly) {
            #expect(JSONKey.allCases.contains { $0.string == name }, "\(name) is not in the table")
        }
    }

    /// The other way: a name of the schema is written from the table, except the severities, which are keys
    /// of counts by severity (`summary.severities`) and come from `Severity`.
    @Test func everyNameOfTheSchemaIsInTheTable() throws {
        let table = Set(JSONKey.allCases.map(\.string))
        let severities = Set(Severity.allCases.map(\.rawValue))
        let missing = try Self.schemaNames().subtracting(table).subtracting(severities)
        #expect(missing.isEmpty, "not in JSONKey: \(missing.sorted())")
    }

    /// Each name once, and plain: lower-case letters, digits and underscores, which the writer copies without
    /// an escape.
    @Test func namesAreUniqueAndPlain() {
        var seen: [String: JSONKey] = [:]
        for key in JSONKey.allCases {
            let name = key.string
            #expect(seen.updateValue(key, forKey: name) == nil, "\(name) is spelled by two cases")
            #expect(
                !name.isEmpty
                    && name.utf8.allSatisfy {
                        ("a"..."z").contains(Character(Unicode.Scalar($0)))
                            || ("0"..."9").contains(Character(Unicode.Scalar($0))) || $0 == UInt8(ascii: "_")
                    }, "\(name)")
        }
    }
}
