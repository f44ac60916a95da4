/// Why an output capture could not be written. `description` is the line printed on stderr; the exit code is 2
/// (docs/exit-codes.md).
public struct CaptureWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write: \(reason)" }
}
