/// Up to four SACK blocks (RFC 2018 3: at most 4 fit in 40 bytes of options), held inline.
public struct SACKBlocks: Hashable, Sendable {
    public private(set) var count: Int = 0
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    /// Forgets every block (the storage is not cleared: only the first `count` blocks are ever read).
    public mutating func removeAll() { count = 0 }

    /// Adds a block (left edge, right edge); a fifth block is ignored.
    public mutating func append(left: UInt32, right: UInt32) {
        let packed = UInt64(left) << 32 | UInt64(right)
        switch count {
        case 0: storage.0 = packed
        case 1: storage.1 = packed
        case 2: storage.2 = packed
        case 3: storage.3 = packed
        default: return
        }
        count += 1
    }

    public subscript(index: Int) -> (left: SequenceNumber, right: SequenceNumber) {
        precondition(index >= 0 && index < count, "SACK block index out of range")
        let packed: UInt64
        switch index {
        case 0: packed = storage.0
        case 1: packed = storage.1
        case 2: packed = storage.2
        default: packed = storage.3
        }
        return (
            SequenceNumber(UInt32(truncatingIfNeeded: packed >> 32)), SequenceNumber(UInt32(truncatingIfNeeded: packed))
        )
    }

    public static func == (lhs: SACKBlocks, rhs: SACKBlocks) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs[i] != rhs[i] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in 0..<count { hasher.combine(self[i].left); hasher.combine(self[i].right) }
    }
}
