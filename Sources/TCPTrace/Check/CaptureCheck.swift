/// One capture checked against its expectations.
public struct CaptureCheck: Sendable {
    public var capture: String
    /// The expectation file used, or `default policy`.
    public var expectations: String
    public var results: [ExpectationResult]
    /// Set when the capture or its expectation file could not be used at all (exit 2).
    public var error: String?
    public var warnings: [String]

    public var failures: Int { results.filter { !$0.passed }.count }
}
