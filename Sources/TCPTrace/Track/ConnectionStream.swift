/// Hands finished connections on in first-frame order (connection ids are given in that order): a connection
/// waits here until every older one is finished or was dropped.
struct ConnectionStream {
    /// false: hand each connection on as soon as it is finished (no waiting, flat memory).
    let ordered: Bool
    private var waiting: [Int: Connection] = [:]
    private var skipped: Set<Int> = []
    private var next = 1

    init(ordered: Bool = true) { self.ordered = ordered }

    mutating func add(_ c: Connection) { waiting[c.id] = c }

    /// An id that will never arrive (the connection was dropped to bound memory).
    mutating func skip(_ id: Int) { skipped.insert(id) }

    mutating func emitReady(_ body: (Connection) -> Void) {
        guard ordered else {
            for id in waiting.keys.sorted() { if let c = waiting[id] { body(c) } }
            waiting.removeAll(keepingCapacity: true)
            return
        }
        while true {
            if let c = waiting.removeValue(forKey: next) {
                body(c)
            } else if skipped.remove(next) == nil {
                return
            }
            next += 1
        }
    }

    /// At the end: whatever is left, in id order.
    mutating func flush(_ body: (Connection) -> Void) {
        for id in waiting.keys.sorted() { if let c = waiting[id] { body(c) } }
        waiting = [:]
    }
}
