/// The findings one segment raises in one pass (at most `capacity` kept: the data phase raises at most four,
/// the state machine at most five), in storage the caller lends: `withFoundFindings` puts it on the stack.
/// None for nearly every segment, so nothing is initialized until the first, and destroying it is a test of
/// the count. (It was a heap buffer made at the first finding: one allocation per segment with a finding,
/// issue 21; before that an empty array, released for every segment, and inline (code, string) slots, as many
/// string releases.)
struct FoundFindings: ~Copyable {
    typealias Item = (code: FindingCode, detail: FindingDetail)
    private let items: UnsafeMutablePointer<Item>
    private(set) var count = 0
    private let capacity: Int

    fileprivate init(_ storage: UnsafeMutableBufferPointer<Item>) {
        items = storage.baseAddress!
        capacity = storage.count
    }

    mutating func add(_ code: FindingCode, _ detail: @autoclosure () -> FindingDetail) {
        guard count < capacity else { return }
        (items + count).initialize(to: (code, detail()))
        count += 1
    }

    subscript(i: Int) -> Item { items[i] }

    deinit {
        if count > 0 { items.deinitialize(count: count) }
    }
}

/// Runs `body` with an empty `FoundFindings` of `capacity` items on the stack (up to 1 KiB: `FindingDetailTests`
/// checks that the state machine's seven fit).
@inline(__always)
func withFoundFindings<R>(capacity: Int, _ body: (inout FoundFindings) -> R) -> R {
    withUnsafeTemporaryAllocation(of: FoundFindings.Item.self, capacity: capacity) { storage in
        var found = FoundFindings(storage)
        return body(&found)
    }
}
