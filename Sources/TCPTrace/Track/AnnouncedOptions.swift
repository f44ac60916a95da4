/// The options of a SYN or SYN-ACK, without the SACK blocks a SYN does not carry.
struct AnnouncedOptions: Sendable {
    var timestampValue: UInt32?
    var timestampEcho: UInt32?
    var mss: UInt16?
    var windowScale: UInt8?
    var sackPermitted: Bool
    var malformed: Bool

    init(_ o: TCPOptions) {
        timestampValue = o.timestampValue
        timestampEcho = o.timestampEcho
        mss = o.mss
        windowScale = o.windowScale
        sackPermitted = o.sackPermitted
        malformed = o.malformed
    }

    var options: TCPOptions {
        var o = TCPOptions()
        o.mss = mss
        o.windowScale = windowScale
        o.sackPermitted = sackPermitted
        o.timestampValue = timestampValue
        o.timestampEcho = timestampEcho
        o.malformed = malformed
        return o
    }
}
