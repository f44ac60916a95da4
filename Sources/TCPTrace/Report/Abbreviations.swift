/// The default table's short words (docs/output.md and `analyze --help` explain them; JSON and `--wide` keep
/// the full names).
extension HandshakeOutcome {
    /// `OPEN` column: ok, simul, syn, half, synack, refused, aborted, unseen.
    public var abbreviation: String {
        switch self {
        case .complete: "ok"
        case .simultaneousOpen: "simul"
        case .synOnly: "syn"
        case .halfOpen: "half"
        case .synackOnly: "synack"
        case .refused: "refused"
        case .aborted: "aborted"
        case .notSeen: "unseen"
        }
    }
}

extension CloseKind {
    /// `CLOSE` column, before `/c`, `/s` or `/b` (who closed first): 4way, 3way, simul, rst, half, open.
    public var abbreviation: String {
        switch self {
        case .fourWay: "4way"
        case .threeWay: "3way"
        case .simultaneous: "simul"
        case .reset: "rst"
        case .halfClosed: "half"
        case .notClosed: "open"
        }
    }
}

extension TCPState {
    /// `STATE` column (client/server): two letters per RFC 9293 state.
    public var abbreviation: String {
        switch self {
        case .closed: "CL"
        case .synSent: "SS"
        case .synReceived: "SR"
        case .established: "ES"
        case .finWait1: "F1"
        case .finWait2: "F2"
        case .closeWait: "CW"
        case .closing: "CG"
        case .lastAck: "LA"
        case .timeWait: "TW"
        }
    }
}

extension FindingCode {
    /// Every code, most severe first, in code order within a severity: the order of a row's finding summary.
    public static let bySeverity: [FindingCode] = allCases.sorted { lhs, rhs in
        lhs.severity != rhs.severity
            ? lhs.severity > rhs.severity
            : allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension Format {
    /// A duration in at most six characters for the table (`850us`, `1.23ms`, `12.3ms`, `123ms`, `1.23s`,
    /// `12.3s`, `12m05s`, `3h05m`, `412h`), appended as bytes without a String (the table writes one per
    /// connection: an interpolated String such as `"\(n)us"` reserves more than a small string holds and is a
    /// heap allocation each time).
    static func writeDuration<Sink: JSONSink>(_ value: Double, into out: inout Sink) {
        let v = max(0, value.isFinite ? value : 0)
        /// `value` with `decimals` decimals, then `unit`.
        func fixed(_ value: Double, _ decimals: Int, _ unit: StaticString) {
            let scale: Int64 = decimals == 2 ? 100 : decimals == 1 ? 10 : 1
            let scaled = Int64((value * Double(scale)).rounded())
            out.writeDecimal(scaled / scale)
            if decimals > 0 {
                out.write(UInt8(ascii: "."))
                let fraction = scaled % scale
                if decimals == 2 && fraction < 10 { out.write(UInt8(ascii: "0")) }
                out.writeDecimal(fraction)
            }
            unit.withUTF8Buffer { out.write(UnsafeRawBufferPointer($0)) }
        }
        func two(_ n: Int64) {
            if n < 10 { out.write(UInt8(ascii: "0")) }
            out.writeDecimal(n)
        }
        if v < 0.000_999_5 { return fixed(v * 1e6, 0, "us") }
        if v < 0.999_5 {
            let ms = v * 1000
            return fixed(ms, ms < 9.995 ? 2 : ms < 99.95 ? 1 : 0, "ms")
        }
        if v < 59.95 { return fixed(v, v < 9.995 ? 2 : 1, "s") }
        let whole = Int64(v.rounded())
        if whole < 3600 {
            out.writeDecimal(whole / 60)
            out.write(UInt8(ascii: "m"))
            two(whole % 60)
            out.write(UInt8(ascii: "s"))
        } else if whole < 360_000 {
            out.writeDecimal(whole / 3600)
            out.write(UInt8(ascii: "h"))
            two(whole / 60 % 60)
            out.write(UInt8(ascii: "m"))
        } else {
            out.writeDecimal(whole / 3600)
            out.write(UInt8(ascii: "h"))
        }
    }
}
