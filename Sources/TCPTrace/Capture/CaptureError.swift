/// Why a capture could not be read. Each case names the file; `description` is the one line printed on
/// stderr. The exit code for all of them is 2 (see docs/exit-codes.md).
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but cannot be opened (permissions, a directory, …).
    case unreadable(path: String, reason: String)
    /// libpcap does not recognise the file as a capture it can read (bad magic, empty file, broken header,
    /// a pcapng it refuses). `reason` is libpcap's own message.
    case notACapture(path: String, reason: String)
    /// A pcapng or snoop file (read by this project's own readers, `PcapngReader`, `SnoopReader`) that cannot
    /// be read: a bad header, an unsupported version or datalink, no interface. `format` is `pcapng` or
    /// `snoop`; `reason` says what is wrong, in libpcap's words where it has them.
    case unreadableFormat(path: String, format: String, reason: String)
    /// The file's link-layer type is one the decoder does not handle.
    case unsupportedLinkType(path: String, linkType: LinkType)
    /// Standard input (`-`) can only be read alone: it cannot be rewound to order several inputs.
    case standardInputWithOtherFiles

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "\(path): no such file"
        case .unreadable(let path, let reason):
            "\(path): cannot read: \(reason)"
        case .notACapture(let path, let reason):
            "\(path): not a capture file libpcap can read: \(reason)"
        case .unreadableFormat(let path, let format, let reason):
            "\(path): not a \(format) file tcptrace-swift can read: \(reason)"
        case .unsupportedLinkType(let path, let linkType):
            "\(path): unsupported link type \(linkType.name) (\(linkType.rawValue)); supported: "
                + LinkType.supported.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .joined(separator: ", ")
        case .standardInputWithOtherFiles:
            "-: standard input cannot be combined with other capture files"
        }
    }
}
