/// An exact count or an inclusive range (`2`, `2..5`, `{min: 2}`).
public struct CountRange: Sendable, Equatable, CustomStringConvertible {
    public var min: Int?
    public var max: Int?

    public func contains(_ n: Int) -> Bool { (min.map { n >= $0 } ?? true) && (max.map { n <= $0 } ?? true) }

    public var description: String {
        switch (min, max) {
        case let (a?, b?) where a == b: "\(a)"
        case let (a?, b?): "\(a)..\(b)"
        case let (a?, nil): "at least \(a)"
        case let (nil, b?): "at most \(b)"
        default: "any number"
        }
    }
}
