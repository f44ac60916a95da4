/// An endpoint's connection state as an observer of the segments can infer it (RFC 9293 3.3.2).
/// LISTEN is not observable: a server shows CLOSED until it answers a SYN.
public enum TCPState: String, Sendable, CaseIterable {
    case closed = "CLOSED"
    case synSent = "SYN_SENT"
    case synReceived = "SYN_RECEIVED"
    case established = "ESTABLISHED"
    case finWait1 = "FIN_WAIT_1"
    case finWait2 = "FIN_WAIT_2"
    case closeWait = "CLOSE_WAIT"
    case closing = "CLOSING"
    case lastAck = "LAST_ACK"
    case timeWait = "TIME_WAIT"
}

extension TCPState {
    /// `rawValue` as static text: written into JSON without a String (`JSONWriter.member(_:word:)`, ten
    /// transitions and two states per connection). `JSONWriterTests.staticWordsAreTheRawValues` holds it to `rawValue`.
    var staticName: StaticString {
        switch self {
        case .closed: "CLOSED"
        case .synSent: "SYN_SENT"
        case .synReceived: "SYN_RECEIVED"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN_WAIT_1"
        case .finWait2: "FIN_WAIT_2"
        case .closeWait: "CLOSE_WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST_ACK"
        case .timeWait: "TIME_WAIT"
        }
    }
}
