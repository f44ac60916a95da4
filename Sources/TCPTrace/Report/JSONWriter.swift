/// Writes JSON straight to UTF-8 bytes as the caller walks its data, without building a `JSONValue` tree
/// first: the same bytes as `JSONValue.serialized` (commas, line breaks, two spaces per level), through the
/// same primitive writers. For output written once per connection, where building the tree cost more than
/// everything else (`analyze --format jsonl`).
///
/// The caller keeps the nesting: each `beginObject`/`beginArray` needs its `endObject`/`endArray`, and each
/// object member starts with `key`. A mismatch is a programming error (a debug build stops at an end without
/// its begin); the output is then not JSON.
struct JSONWriter {
    /// Where the output goes.
    private var bytes: JSONBuffer
    /// Level of the outermost value (as `serialized(indent:)`), or nil for one compact line.
    private let indent: Int?
    /// Containers open.
    private var depth = 0
    /// The innermost open container has nothing in it yet.
    private var empty = true
    /// A key was just written, so the next value is its member's and needs no separator.
    private var afterKey = false
    /// The keys' bytes, fetched once per writer rather than through the global's lazy check at every key.
    private let keys = JSONKeyTable.shared

    private init(indent: Int?, bytes: JSONBuffer) {
        self.indent = indent
        self.bytes = bytes
    }

    /// Runs `body` with a writer that appends to `out` (pretty at level `indent`, or compact if nil), through
    /// a stack buffer (`JSONBuffer`).
    static func appending(to out: inout [UInt8], indent: Int?, _ body: (inout JSONWriter) -> Void) {
        JSONBuffer.appending(to: &out) { buffer in
            var writer = JSONWriter(indent: indent, bytes: buffer)
            body(&writer)
            buffer = writer.bytes
        }
    }

    // MARK: Structure

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts an object member; its value follows. Names come from the name table (`JSONKey`), whose text needs
    /// no escape; their bytes come ready from `JSONKeyTable` (`,"name":`), copied with one short copy.
    @inline(__always)
    mutating func key(_ key: JSONKey) {
        if indent == nil {
            bytes.advance(by: compactKey(key, room: 0).keyLength)
        } else {
            let (entry, count) = keys.entry(key)
            keyIndented(entry, count)
            empty = false
        }
        afterKey = true
    }

    /// On one line (jsonl): `,"name":`, without the comma for a container's first member, stored at the start
    /// of room for `extra` more bytes (its value, which the caller stores after it). The caller advances past
    /// both. Members start here some 300 times per connection.
    @inline(__always)
    private mutating func compactKey(
        _ key: JSONKey, room extra: Int
    ) -> (
        start: UnsafeMutablePointer<UInt8>, keyLength: Int
    ) {
        let (entry, count) = keys.entry(key)
        let skip = empty ? 1 : 0
        let n = count - skip
        let p = bytes.room(n + extra)
        JSONBuffer.copySmall(p, entry + skip, n)
        empty = false
        return (p, n)
    }

    /// `key` in the indented document: `,`, the line break, the indent, `"name": `.
    private mutating func keyIndented(_ entry: UnsafePointer<UInt8>, _ count: Int) {
        let indent = indent ?? 0
        let length = count - 4  // the name's
        if length <= 32, indent + depth <= 32 {
            // Stored in one go (callgrind, 300,000 packets of short connections: 2,864.8 M -> 2,743.1 M
            // instructions against the comma, `newline` and the quoted name written one after the other below).
            let spaces = (indent + depth) * 2
            let p = bytes.room(length + spaces + 6)
            var n = 0
            if !empty { p[0] = UInt8(ascii: ","); n = 1 }
            p[n] = UInt8(ascii: "\n")
            (p + n + 1).update(repeating: UInt8(ascii: " "), count: spaces)
            n += 1 + spaces
            // `"name":` from the entry, then the space.
            JSONBuffer.copySmall(p + n, entry + 1, length + 3)
            p[n + length + 3] = UInt8(ascii: " ")
            bytes.advance(by: n + length + 4)
        } else {
            if !empty { bytes.write(UInt8(ascii: ",")) }
            JSONValue.newline(&bytes, indent + depth)
            bytes.write(UnsafeRawBufferPointer(start: entry + 1, count: length + 3))
            bytes.write(UInt8(ascii: " "))
        }
    }

    /// Starts a member named by one of our own words rather than a name of the table (a finding code as a key
    /// of counts by code): copied without a look for escapes, as `member(_:word:)` copies values; a debug
    /// build checks that none needs one.
    mutating func key(word: String) {
        if !empty { bytes.write(UInt8(ascii: ",")) }
        JSONValue.newline(&bytes, indent.map { $0 + depth })
        bytes.write(UInt8(ascii: "\""))
        var text = word
        text.withUTF8 { utf8 in
            assert(!utf8.contains(where: JSONValue.needsEscape), "\(word) needs escaping")
            bytes.write(UnsafeRawBufferPointer(utf8))
        }
        JSONValue.append(indent == nil ? "\":" : "\": ", to: &bytes)
        empty = false
        afterKey = true
    }

    // MARK: Values

    mutating func null() {
        separate()
        JSONValue.append("null", to: &bytes)
    }

    mutating func value(_ b: Bool) {
        separate()
        JSONValue.append(b ? "true" : "false", to: &bytes)
    }

    mutating func value(_ i: Int) {
        separate()
        JSONValue.append(Int64(i), to: &bytes)
    }

    mutating func value(_ i: Int64) {
        separate()
        JSONValue.append(i, to: &bytes)
    }

    /// Shortest form, as `JSONValue.double`; `null` if not finite.
    mutating func value(_ d: Double) {
        separate()
        // (In place when exact, as `compactMember`: through `append`'s stack buffer the json document took 2 %
        // more instructions.)
        if let length = JSONValue.writeExact(d, at: bytes.room(26)) {
            bytes.advance(by: length)
        } else {
            JSONValue.append(d, to: &bytes)
        }
    }

    mutating func value(_ s: String) {
        separate()
        JSONValue.escape(s, into: &bytes)
    }

    mutating func value(_ i: Int?) { if let i { value(i) } else { null() } }
    mutating func value(_ d: Double?) { if let d { value(d) } else { null() } }
    mutating func value(_ s: String?) { if let s { value(s) } else { null() } }

    /// A finding's detail, written from its pieces (`FindingDetail`).
    mutating func value(_ detail: FindingDetail) {
        separate()
        JSONValue.escape(detail, into: &bytes)
    }

    /// Epoch seconds with all nine nanosecond digits, as `JSONValue.time`.
    mutating func time(_ t: Timestamp?) {
        guard let t else { null(); return }
        separate()
        t.withDescription { bytes.write($0) }
    }

    // MARK: Members: a key and its value

    @inline(__always) mutating func member(_ name: JSONKey, _ i: Int) { member(name, Int64(i)) }
    @inline(__always) mutating func member(_ name: JSONKey, _ i: Int?) {
        if let i { member(name, Int64(i)) } else { key(name); null() }
    }

    /// An integer member: on one line (jsonl) the key and the digits go in with one check for room.
    @inline(__always)
    mutating func member(_ name: JSONKey, _ i: Int64) {
        if indent == nil { compactMember(name, i) } else { key(name); value(i) }
    }

    /// `,"name":digits` (no comma for a container's first member). (Written as one: a key, then a value that
    /// checked again whether it followed a key and again for room, cost ~25 instructions more a member;
    /// callgrind, docs/performance.md, session 16.)
    @inline(never)
    private mutating func compactMember(_ name: JSONKey, _ i: Int64) {
        let (p, n) = compactKey(name, room: 20)  // (20: Int64.min's sign and 19 digits)
        bytes.advance(by: n + ASCIIDigits.write(i, at: p + n))
    }

    /// A number member; on one line (jsonl) the key and a whole number or whole nanoseconds (most of them) go
    /// in with one check for room, as `compactMember(_:_:)` for integers.
    @inline(__always) mutating func member(_ name: JSONKey, _ d: Double) {
        if indent == nil { compactMember(name, d) } else { key(name); value(d) }
    }
    @inline(__always) mutating func member(_ name: JSONKey, _ d: Double?) {
        if let d { member(name, d) } else { key(name); null() }
    }

    /// `,"name":number`, as `JSONValue.append(_:to:)` spells the number.
    @inline(never)
    private mutating func compactMember(_ name: JSONKey, _ d: Double) {
        let (p, n) = compactKey(name, room: 26)  // (26: the longest whole number or nanoseconds, with the sign)
        if let length = JSONValue.writeExact(d, at: p + n) {
            bytes.advance(by: n + length)
        } else {
            bytes.advance(by: n)
            JSONValue.append(d, to: &bytes)  // (`null`, or the general conversion)
        }
    }
    @inline(__always) mutating func member(_ name: JSONKey, _ s: String) { key(name); value(s) }
    @inline(__always) mutating func member(_ name: JSONKey, _ s: String?) { key(name); value(s) }
    @inline(__always) mutating func member(_ name: JSONKey, _ detail: FindingDetail) { key(name); value(detail) }
    @inline(__always) mutating func member(_ name: JSONKey, _ b: Bool) { key(name); value(b) }
    @inline(__always) mutating func member(_ name: JSONKey, time t: Timestamp?) { key(name); time(t) }

    /// A time as ISO 8601 in UTC (`TimeWriter.withISO8601`), quoted: no String made.
    mutating func member(_ name: JSONKey, iso t: Timestamp) {
        key(name)
        TimeWriter.withISO8601(t) { plain($0) }
    }

    /// One of our own words (an enum's raw value, a Zeek state), quoted: like keys, copied without a look
    /// for escapes; a debug build checks that none needs one.
    @inline(__always)
    mutating func member(_ name: JSONKey, word: String) {
        key(name)
        var text = word
        text.withUTF8 { utf8 in
            assert(!utf8.contains(where: JSONValue.needsEscape), "\(word) needs escaping")
            plain(UnsafeRawBufferPointer(utf8))
        }
    }

    /// A word of static text (`TCPState.staticName`), quoted; on one line, written with its key in one go.
    @inline(__always)
    mutating func member(_ name: JSONKey, word: StaticString) {
        let text = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        if indent == nil {
            compactMember(name, plain: text)
        } else {
            key(name)
            plain(text)
        }
    }

    /// `,"name":"text"` for text that needs no escape, with one check for room (up to 64 bytes of it).
    @inline(never)
    private mutating func compactMember(_ name: JSONKey, plain text: UnsafeRawBufferPointer) {
        guard text.count <= 64, let source = text.baseAddress else {
            // (Longer text, or none: the key, then the value on its own.)
            bytes.advance(by: compactKey(name, room: 0).keyLength)
            afterKey = true
            plain(text)
            return
        }
        let length = text.count
        let (p, n) = compactKey(name, room: length + 2)
        p[n] = UInt8(ascii: "\"")
        JSONBuffer.copySmall(p + n + 1, source.assumingMemoryBound(to: UInt8.self), length)
        p[n + 1 + length] = UInt8(ascii: "\"")
        bytes.advance(by: n + length + 2)
    }

    @inline(__always)
    mutating func member(_ name: JSONKey, word: String?) {
        if let word { member(name, word: word) } else { key(name); null() }
    }

    /// A string written by `body` straight into the output, quoted: our own ASCII text, which needs no escape
    /// (`Diagnosis.write`), so no String is made per connection.
    @inline(__always)
    mutating func member(_ name: JSONKey, ascii body: (inout JSONBuffer) -> Void) {
        key(name)
        separate()
        bytes.write(UInt8(ascii: "\""))
        body(&bytes)
        bytes.write(UInt8(ascii: "\""))
    }

    /// An address as its text (`IPAddress.description`), quoted; digits, dots, colons and hex need no escape.
    @inline(__always)
    mutating func member(_ name: JSONKey, address: IPAddress) {
        key(name)
        address.withText { plain($0) }
    }

    /// A string value that needs no escape, quoted.
    private mutating func plain(_ text: UnsafeRawBufferPointer) {
        separate()
        bytes.write(UInt8(ascii: "\""))
        bytes.write(text)
        bytes.write(UInt8(ascii: "\""))
    }

    // MARK: Layout, as `JSONValue.write(into:indent:)`

    /// Before a value: nothing after a key or at the top; otherwise it is an array item, on its own line.
    @inline(__always)
    private mutating func separate() {
        if afterKey { afterKey = false; return }
        guard depth > 0 else { return }
        if !empty { bytes.write(UInt8(ascii: ",")) }
        empty = false
        JSONValue.newline(&bytes, indent.map { $0 + depth })
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.write(bracket)
        depth += 1
        empty = true
    }

    /// An empty container closes on the same line (`{}`, `[]`); a full one on a line of its own.
    private mutating func close(_ bracket: UInt8) {
        assert(depth > 0, "an end without its begin")
        depth -= 1
        if !empty { JSONValue.newline(&bytes, indent.map { $0 + depth }) }
        bytes.write(bracket)
        // The enclosing container now holds this one.
        empty = false
    }
}
