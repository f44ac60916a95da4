/// An optional value kept out of line: one pointer in its holder whatever its size (a heap box only while
/// present, replaced whole on every change). For per-connection state that is rarely present, so it does not
/// widen every connection.
@propertyWrapper
struct OutOfLine<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box?

    init(wrappedValue: Value?) { box = wrappedValue.map(Box.init) }

    var wrappedValue: Value? {
        get { box?.value }
        set { box = newValue.map(Box.init) }
    }
}
