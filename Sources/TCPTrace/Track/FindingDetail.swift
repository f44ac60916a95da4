/// A finding's explanation (`Finding.detail`), kept as the pieces it was written in: the literal text (a
/// string literal's storage is static) and each interpolated value's rendering (a number, a frame, a duration:
/// short enough to be stored inside the `String` itself). Joining them into one `String` when the finding is
/// raised was a heap allocation per finding (most details are longer than the 15 bytes a `String` holds
/// inline): about four per connection with anomalies, the bulk of what the tracker allocated per connection
/// in steady state (issue 21). The text is joined only when it is read as a `String` (`description`); JSON
/// writes the pieces one after the other (`JSONValue.escape(_:into:)`).
///
/// Written as a string literal where a detail is expected (`"SYN sent again (attempt \(n))"`), and joined
/// with `+`. Up to `inlinePieces` pieces are kept apart; the rest are joined onto the last one.
public struct FindingDetail: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// Pieces kept apart: most of the tracker's details have eight or fewer (a longer one, such as a SYN sent
    /// again, joins its tail onto the eighth: an allocation unless that fits in 15 bytes), and the findings of
    /// one segment stay on the stack (`withFoundFindings` lends up to seven; a temporary allocation of more than
    /// 1 KiB goes to the heap, as it did, for every segment, with twelve pieces).
    static let inlinePieces = 8
    private var pieces: (String, String, String, String, String, String, String, String) =
        ("", "", "", "", "", "", "", "")
    private var count: UInt8 = 0

    public init() {}

    public init(_ text: String) {
        append(text)
    }

    public init(stringLiteral value: String) {
        append(value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.detail
    }

    /// Builds a detail from a literal with interpolations, each value rendered as `DefaultStringInterpolation`
    /// renders it (the same overloads), without joining the pieces.
    public struct StringInterpolation: StringInterpolationProtocol {
        var detail = FindingDetail()

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            detail.append(literal)
        }

        // The overloads `DefaultStringInterpolation` has, so that each value is rendered as a `String`
        // interpolation renders it, and without `String(describing:)`'s dynamic casts (which cost more
        // instructions than the allocation saved).
        public mutating func appendInterpolation<T: TextOutputStreamable & CustomStringConvertible>(_ value: T) {
            var text = ""
            value.write(to: &text)
            detail.append(text)
        }

        public mutating func appendInterpolation<T: TextOutputStreamable>(_ value: T) {
            var text = ""
            value.write(to: &text)
            detail.append(text)
        }

        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            detail.append(value.description)
        }

        public mutating func appendInterpolation<T>(_ value: T) {
            detail.append(String(describing: value))
        }
    }

    /// Adds `piece` after the others (joined onto the last piece once `inlinePieces` are in use).
    public mutating func append(_ piece: String) {
        guard !piece.isEmpty else { return }
        withUnsafeMutableBytes(of: &pieces) { raw in
            let all = raw.bindMemory(to: String.self)
            if Int(count) < all.count {
                all[Int(count)] = piece
                count += 1
            } else {
                all[all.count - 1] += piece
            }
        }
    }

    public mutating func append(_ other: FindingDetail) {
        other.forEachPiece { append($0) }
    }

    public static func + (lhs: FindingDetail, rhs: FindingDetail) -> FindingDetail {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    public static func + (lhs: FindingDetail, rhs: String) -> FindingDetail {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    public static func += (lhs: inout FindingDetail, rhs: String) {
        lhs.append(rhs)
    }

    /// Calls `body` with each piece, in order.
    public func forEachPiece(_ body: (String) -> Void) {
        withUnsafeBytes(of: pieces) { raw in
            let all = raw.bindMemory(to: String.self)
            for i in 0..<Int(count) { body(all[i]) }
        }
    }

    /// The text, joined.
    public var description: String {
        guard count > 1 else { return count == 1 ? pieces.0 : "" }
        var text = ""
        forEachPiece { text += $0 }
        return text
    }

    public static func == (lhs: FindingDetail, rhs: FindingDetail) -> Bool {
        lhs.description == rhs.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
