/// An endpoint's state changes in order: the first six inline, the rest in an array. An endpoint's life is
/// five changes or fewer unless something goes wrong (`SYN_SENT`, `ESTABLISHED`, `FIN_WAIT_1`, `FIN_WAIT_2`,
/// `TIME_WAIT`), so a connection keeps them without heap storage: an array per endpoint was an allocation (or
/// a recycled buffer) and a cache miss per change on traffic of many short connections (issue 21). Inline,
/// an entry is 16 bytes (the frame and the state packed in one word, the time in another): 104 bytes per
/// endpoint, less than the array's 192-byte heap block it replaces.
public struct TransitionList: RandomAccessCollection, Sendable {
    public static let inlineCapacity = 6
    /// Per inline entry, the frame shifted left 8 bits with the state's tag in the low byte.
    private var frames: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    private var times: (Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0)
    private var overflow: [StateTransition] = []
    public private(set) var count = 0

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> StateTransition {
        precondition(i >= 0 && i < count, "TransitionList: index \(i) out of range")
        guard i < Self.inlineCapacity else { return overflow[i - Self.inlineCapacity] }
        let word = withUnsafeBytes(of: frames) { $0.load(fromByteOffset: i * 8, as: UInt64.self) }
        let time = withUnsafeBytes(of: times) { $0.load(fromByteOffset: i * 8, as: Int64.self) }
        return StateTransition(
            frame: Int(Int64(bitPattern: word) >> 8), time: Timestamp(nanoseconds: time),
            state: TCPState(tag: UInt8(truncatingIfNeeded: word)))
    }

    /// Appends a change. (A frame number is packed with 56 bits: any capture's frame count fits.)
    mutating func append(_ t: StateTransition) {
        guard count < Self.inlineCapacity else {
            overflow.append(t)
            count += 1
            return
        }
        let at = count
        let word = UInt64(bitPattern: Int64(t.frame) << 8) | UInt64(t.state.tag)
        withUnsafeMutableBytes(of: &frames) { $0.storeBytes(of: word, toByteOffset: at * 8, as: UInt64.self) }
        withUnsafeMutableBytes(of: &times) {
            $0.storeBytes(of: t.time.nanoseconds, toByteOffset: at * 8, as: Int64.self)
        }
        count += 1
    }

    mutating func removeLast() {
        precondition(count > 0, "TransitionList: removeLast on an empty list")
        if count > Self.inlineCapacity { overflow.removeLast() }
        count -= 1
    }
}

extension TCPState {
    /// A byte for the state (its declaration order), for compact storage.
    var tag: UInt8 {
        switch self {
        case .closed: 0
        case .synSent: 1
        case .synReceived: 2
        case .established: 3
        case .finWait1: 4
        case .finWait2: 5
        case .closeWait: 6
        case .closing: 7
        case .lastAck: 8
        case .timeWait: 9
        }
    }

    init(tag: UInt8) {
        switch tag {
        case 1: self = .synSent
        case 2: self = .synReceived
        case 3: self = .established
        case 4: self = .finWait1
        case 5: self = .finWait2
        case 6: self = .closeWait
        case 7: self = .closing
        case 8: self = .lastAck
        case 9: self = .timeWait
        default: self = .closed
        }
    }
}
