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
