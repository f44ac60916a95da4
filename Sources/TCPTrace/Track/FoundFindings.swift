/// The findings one segment raises in one pass (at most `capacity` kept: the data phase raises at most four,
/// the state machine at most five). None for nearly every segment, so nothing is held until the first:
/// destroying it is then a test of a nil pointer, where an empty array was a call to release it for every
/// segment (twice per ACK carrying data), and inline (code, string) slots as many string releases.
struct FoundFindings: ~Copyable {
    private var items: UnsafeMutablePointer<(code: FindingCode, detail: String)>?
    private(set) var count = 0
    private let capacity: Int

    init(capacity: Int = 4) { self.capacity = capacity }

    mutating func add(_ code: FindingCode, _ detail: @autoclosure () -> String) {
        guard count < capacity else { return }
        let items = self.items ?? .allocate(capacity: capacity)
        self.items = items
        (items + count).initialize(to: (code, detail()))
        count += 1
    }

    subscript(i: Int) -> (code: FindingCode, detail: String) { items![i] }

    deinit {
        guard let items else { return }
        items.deinitialize(count: count)
        items.deallocate()
    }
}
