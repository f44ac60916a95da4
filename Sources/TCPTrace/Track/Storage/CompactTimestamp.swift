/// An optional timestamp in 8 bytes: `Int64.min` nanoseconds (the year 1677) stands for nil.
@propertyWrapper
public struct CompactTimestamp: Sendable {
    private var raw: Int64

    public init(wrappedValue: Timestamp?) { raw = wrappedValue?.nanoseconds ?? .min }

    public var wrappedValue: Timestamp? {
        get { raw == .min ? nil : Timestamp(nanoseconds: raw) }
        set { raw = newValue?.nanoseconds ?? .min }
    }
}
