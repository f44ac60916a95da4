/// Zeek history letters in order, each with the endpoint (0 or 1) that sent it: the first 24 inline, the rest
/// in an array. A history is rarely longer than a dozen letters (`ShADadFf` is 8; the scaled letters `t`, `w`,
/// `g`, `c` come back only at the 10th, 100th, … event), so a connection keeps its history without heap storage:
/// two arrays (letters and senders) were two allocations per connection and a cache miss per new letter
/// (issue 21).
struct HistoryLetters: Sendable {
    /// Each byte a lower-case letter, with the sender in its top bit (letters are ASCII, below 128).
    private var inline: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var overflow: [UInt8] = []
    private(set) var count = 0

    static let inlineCapacity = 24

    mutating func append(_ letter: UInt8, sender: Int) {
        let byte = letter | UInt8(truncatingIfNeeded: sender) << 7
        if count < Self.inlineCapacity {
            let at = count
            withUnsafeMutableBytes(of: &inline) { $0[at] = byte }
        } else {
            overflow.append(byte)
        }
        count += 1
    }

    /// The `i`th letter (lower case) and its sender.
    subscript(_ i: Int) -> (letter: UInt8, sender: Int) {
        let byte = i < Self.inlineCapacity ? withUnsafeBytes(of: inline) { $0[i] } : overflow[i - Self.inlineCapacity]
        return (byte & 0x7f, Int(byte >> 7))
    }
}
