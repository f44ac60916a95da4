import DequeModule

/// A FIFO of fixed chunks of 4,096 elements: it grows without copying what it holds (a doubling buffer holds old
/// and new copies while it grows: with the first-frame order's million waiting entries, a 7.5 MB spike at the
/// peak of the benchmark's 1 M connections, issue 21) and gives its front chunk back as it empties. One emptied
/// chunk is kept for the next, so a steady queue allocates nothing.
struct ChunkedQueue<Element> {
    private static var shift: Int { 12 }
    private static var chunkSize: Int { 1 << 12 }
    private var chunks = Deque<[Element]>()
    private var spare: [Element] = []
    /// Elements of the first chunk already removed.
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var indices: Range<Int> { 0..<count }
    var first: Element? { count > 0 ? self[0] : nil }

    subscript(i: Int) -> Element {
        get {
            let j = head + i
            return chunks[j >> Self.shift][j & (Self.chunkSize - 1)]
        }
        set {
            let j = head + i
            chunks[j >> Self.shift][j & (Self.chunkSize - 1)] = newValue
        }
    }

    mutating func append(_ element: Element) {
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkSize {
            var chunk: [Element] = []
            swap(&chunk, &spare)
            if chunk.capacity < Self.chunkSize { chunk.reserveCapacity(Self.chunkSize) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    mutating func removeFirst() {
        precondition(count > 0, "ChunkedQueue: removeFirst on an empty queue")
        head += 1
        count -= 1
        if head == Self.chunkSize || count == 0 {
            // The first chunk is used up (or the queue is empty): it becomes the spare.
            var chunk = chunks.removeFirst()
            chunk.removeAll(keepingCapacity: true)
            spare = chunk
            head = 0
        }
    }
}
