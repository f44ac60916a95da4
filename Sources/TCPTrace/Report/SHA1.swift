/// SHA-1 (FIPS 180-4 §6.1; RFC 3174), for the Community ID and conn.log's uid: neither is a security use, both
/// are fixed by their specs to SHA-1.
///
/// The project's own, on the stack, in place of swift-crypto's `Insecure.SHA1` (a seam: `CommunityID` and
/// `ZeekLog` call `SHA1.hash` and nothing else). Measured (issue 21): swift-crypto's hasher allocated its
/// BoringSSL context on the heap, one allocation per JSONL, CSV or conn.log row, 1.0 per connection at 100,000
/// short connections (`scripts/benchmark.sh`, "heap allocations") against the target of 0.001; and
/// BoringSSL's C sources were most of a clean debug build (38 → 108 s). This one allocates nothing.
/// Checked against FIPS 180's examples and, through the Community ID, the spec's vectors and pycommunityid on
/// every fixture (`scripts/zeek-check.py`).
public enum SHA1 {
    /// The 20-byte digest, as five big-endian words.
    public struct Digest: Equatable, Sendable {
        public var words: (UInt32, UInt32, UInt32, UInt32, UInt32)

        public static func == (a: Digest, b: Digest) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
                && a.words.4 == b.words.4
        }

        /// Runs `body` on the digest's 20 bytes, in order.
        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            var bigEndian = (
                words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian, words.4.bigEndian
            )
            return Swift.withUnsafeBytes(of: &bigEndian) { body($0) }
        }

        /// The digest as lowercase hexadecimal (tests, diagnostics).
        public var hex: String {
            withUnsafeBytes { bytes in
                bytes.map { byte in
                    let digits = Array("0123456789abcdef".utf8)
                    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
                }.joined()
            }
        }
    }

    /// SHA-1 of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
        )
        var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &block) { block in
            var offset = 0
            // Whole blocks of the message.
            while bytes.count - offset >= 64 {
                block.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 64]))
                compress(&h, block)
                offset += 64
            }
            // The rest, the 0x80 byte, zeros, and the length in bits in the last 8 bytes (one or two blocks).
            let rest = bytes.count - offset
            for i in 0..<64 { block[i] = 0 }
            if rest > 0 { block.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            block[rest] = 0x80
            if rest >= 56 {
                compress(&h, block)
                for i in 0..<64 { block[i] = 0 }
            }
            let bits = UInt64(bytes.count) &* 8
            for i in 0..<8 { block[56 + i] = UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64(i))) }
            compress(&h, block)
            return Digest(words: h)
        }
    }

    /// SHA-1 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// One 64-byte block into the state (FIPS 180-4 §6.1.2), the schedule in a 16-word ring on the stack.
    ///
    /// Five steps at a time, each with the working variables in the next step's places (a step's `b` rotated in
    /// place, its new `a` written over `e`), so that no step moves the five words along: looping over one step
    /// moved them every time (callgrind: ~2,650 → ~2,000 instructions a block; docs/performance.md, session 16).
    private static func compress(
        _ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeMutableRawBufferPointer
    ) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for t in 0..<16 {
                w[t] =
                    UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8
                    | UInt32(block[4 * t + 3])
            }
            var (a, b, c, d, e) = h
            /// The schedule's word `t`, made in the ring from the four before it from 16 on.
            @inline(__always) func word(_ t: Int) -> UInt32 {
                let s = t & 15
                if t >= 16 {
                    let x = w[(s + 13) & 15] ^ w[(s + 8) & 15] ^ w[(s + 2) & 15] ^ w[s]
                    w[s] = x << 1 | x >> 31
                }
                return w[s]
            }
            /// Step `t`: `e` becomes the new `a`, `b` is rotated; the caller names the five in their new order next.
            @inline(__always) func step(
                _ a: UInt32, _ b: inout UInt32, _ e: inout UInt32, _ f: UInt32, _ k: UInt32, _ t: Int
            ) {
                e = (a << 5 | a >> 27) &+ f &+ e &+ k &+ word(t)
                b = b << 30 | b >> 2
            }
            // Ch, Parity and Maj of FIPS 180-4 §4.1.1, in forms with fewer operations.
            @inline(__always) func ch(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { z ^ (x & (y ^ z)) }
            @inline(__always) func parity(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ y ^ z }
            @inline(__always) func maj(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) | (z & (x | y)) }
            @inline(__always) func five(
                _ t: Int, _ k: UInt32, _ f: (UInt32, UInt32, UInt32) -> UInt32
            ) {
                step(a, &b, &e, f(b, c, d), k, t)
                step(e, &a, &d, f(a, b, c), k, t + 1)
                step(d, &e, &c, f(e, a, b), k, t + 2)
                step(c, &d, &b, f(d, e, a), k, t + 3)
                step(b, &c, &a, f(c, d, e), k, t + 4)
            }
            for t in stride(from: 0, to: 20, by: 5) { five(t, 0x5A82_7999, ch) }
            for t in stride(from: 20, to: 40, by: 5) { five(t, 0x6ED9_EBA1, parity) }
            for t in stride(from: 40, to: 60, by: 5) { five(t, 0x8F1B_BCDC, maj) }
            for t in stride(from: 60, to: 80, by: 5) { five(t, 0xCA62_C1D6, parity) }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
    }
}
