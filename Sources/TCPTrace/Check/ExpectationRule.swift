/// A `rules:` entry: a selector and the clauses that must hold for every connection it selects.
public struct ExpectationRule: Sendable {
    public var name: String?
    /// Line of the rule in its file (0 for built-in policies).
    public var line: Int
    public var selector: ConnectionSelector
    public var clauses: [ExpectationClause]
}
