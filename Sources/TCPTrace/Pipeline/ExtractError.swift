/// Why `extract` stopped: an input that cannot be read, or an output that cannot be written. Both are exit 2
/// (docs/exit-codes.md).
public enum ExtractError: Error, Equatable, Sendable, CustomStringConvertible {
    case input(CaptureError)
    case output(CaptureWriteError)

    public var description: String {
        switch self {
        case .input(let error): error.description
        case .output(let error): error.description
        }
    }
}
