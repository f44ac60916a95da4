/// The Community ID of a flow (the Community ID Flow Hashing spec, version 1), so a connection's rows join
/// with Zeek's, Suricata's, Arkime's and Wireshark's records of the same flow: `1:` and the base64 of the SHA-1
/// of the seed (2 bytes), the two addresses, the protocol, a zero byte and the two ports, all in network byte
/// order, with the endpoints ordered so that the smaller address (then port) comes first.
///
/// Only the inner 4-tuple is hashed, as the spec defines: the same flow in two tunnels has one Community ID
/// (the `tunnel` list tells them apart).
public enum CommunityID {
    /// Characters of a version-1 Community ID: `1:` and 28 of base64.
    public static let length = 30

    /// Appends the Community ID of TCP flow `a` ↔ `b` under `seed` to `out`.
    public static func append(_ a: Endpoint, _ b: Endpoint, seed: UInt16, to out: inout [UInt8]) {
        withText(a, b, seed: seed) { out.append(contentsOf: $0) }
    }

    /// The Community ID of TCP flow `a` ↔ `b` under `seed`.
    public static func string(_ a: Endpoint, _ b: Endpoint, seed: UInt16) -> String {
        withText(a, b, seed: seed) { String(decoding: $0, as: UTF8.self) }
    }

    /// Connection `c`'s Community ID under `seed`.
    public static func string(_ c: Connection, seed: UInt16) -> String {
        string(c.sideA.endpoint, c.sideB.endpoint, seed: seed)
    }

    /// Runs `body` on the Community ID's 30 ASCII bytes, made on the stack (no allocation per connection).
    public static func withText<R>(
        _ a: Endpoint, _ b: Endpoint, seed: UInt16, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        let digest = withHashInput(a, b, seed: seed) { sha1($0) }
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes ≥ 30
        return withUnsafeMutableBytes(of: &text) { raw in
            raw[0] = UInt8(ascii: "1")
            raw[1] = UInt8(ascii: ":")
            var n = 2
            digest.withUnsafeBytes {
                appendBase64($0) {
                    raw[n] = $0; n += 1
                }
            }
            return body(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
    }

    /// Runs `body` on the bytes hashed, 16 (IPv4) or 40 (IPv6), made on the stack: the seed, the smaller
    /// address, the larger, protocol 6, a zero byte and the ports in the same order. (A flow of mixed
    /// families cannot occur: both addresses come from one IP header.)
    static func withHashInput<R>(
        _ a: Endpoint, _ b: Endpoint, seed: UInt16, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        let (first, second) = ordered(a, b)
        var input: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes
        return withUnsafeMutableBytes(of: &input) { raw in
            var n = 0
            func put(_ byte: UInt8) {
                raw[n] = byte
                n += 1
            }
            func put(_ address: IPAddress) {
                if address.isIPv6 {
                    for shift in stride(from: 56, through: 0, by: -8) {
                        put(UInt8(truncatingIfNeeded: address.high >> shift))
                    }
                    for shift in stride(from: 56, through: 0, by: -8) {
                        put(UInt8(truncatingIfNeeded: address.low >> shift))
                    }
                } else {
                    for shift in stride(from: 24, through: 0, by: -8) {
                        put(UInt8(truncatingIfNeeded: address.low >> shift))
                    }
                }
            }
            put(UInt8(seed >> 8))
            put(UInt8(truncatingIfNeeded: seed))
            put(first.address)
            put(second.address)
            put(6)
            put(0)
            put(UInt8(first.port >> 8))
            put(UInt8(truncatingIfNeeded: first.port))
            put(UInt8(second.port >> 8))
            put(UInt8(truncatingIfNeeded: second.port))
            return body(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
    }

    /// SHA-1 of `bytes`, with no copy of them and no allocation (`SHA1`).
    static func sha1(_ bytes: UnsafeRawBufferPointer) -> SHA1.Digest { SHA1.hash(bytes) }

    /// The spec's `order_endpoints`: the numerically smaller address first, the smaller port when the
    /// addresses are equal.
    static func ordered(_ a: Endpoint, _ b: Endpoint) -> (Endpoint, Endpoint) {
        let x = (a.address.high, a.address.low), y = (b.address.high, b.address.low)
        if x < y || (x == y && a.port <= b.port) { return (a, b) }
        return (b, a)
    }

    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// RFC 4648 base64 with padding, one character at a time to `put`: 20 bytes are 28 characters, the last
    /// one `=`.
    static func appendBase64(_ bytes: UnsafeRawBufferPointer, _ put: (UInt8) -> Void) {
        let table = UnsafeRawBufferPointer(start: alphabet.utf8Start, count: alphabet.utf8CodeUnitCount)
        var bits: UInt32 = 0
        var count = 0
        for byte in bytes {
            bits = bits << 8 | UInt32(byte)
            count += 8
            while count >= 6 {
                count -= 6
                put(table[Int(bits >> UInt32(count) & 63)])
            }
        }
        guard count > 0 else { return }
        put(table[Int(bits << UInt32(6 - count) & 63)])
        // Two bits left (one byte in the last group): two padding characters; four bits: one.
        put(UInt8(ascii: "="))
        if count == 2 { put(UInt8(ascii: "=")) }
    }
}
