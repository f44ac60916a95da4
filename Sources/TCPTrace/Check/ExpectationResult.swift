/// The verdict on one expectation.
public struct ExpectationResult: Sendable {
    /// What was expected, in the tool's terms ("rule 2 (server_port 80): close four-way").
    public var name: String
    public var passed: Bool
    /// Why it failed, naming the connection and the frame ("connection 3 10.0.0.1:40000 → …: expected …").
    public var message: String?
}
