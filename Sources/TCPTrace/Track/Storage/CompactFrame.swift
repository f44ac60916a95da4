/// An optional frame number stored in 8 bytes instead of 16 (`Int?` pads its flag to a whole word): a
/// connection holds a dozen of these, and the streaming analysis holds tens of thousands of connections.
/// `Int.min` stands for nil; no frame number is negative.
@propertyWrapper
public struct CompactFrame: Sendable {
    private var raw: Int

    public init(wrappedValue: Int?) { raw = wrappedValue ?? .min }

    public var wrappedValue: Int? {
        get { raw == .min ? nil : raw }
        set { raw = newValue ?? .min }
    }
}
