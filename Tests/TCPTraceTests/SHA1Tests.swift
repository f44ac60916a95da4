import TCPTrace
import Testing

/// The project's SHA-1 (`SHA1`, for the Community ID and conn.log's uid) against FIPS 180's published
/// examples, and against Python's `hashlib.sha1` at the lengths where the padding changes shape (55 bytes: one
/// block; 56 and 63: the length spills into a second block; 64, 65, 119, 120: whole blocks and after).
@Suite struct SHA1Tests {
    @Test func fipsExamples() {
        #expect(SHA1.hash(Array("abc".utf8)).hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hash([]).hex == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA1.hash(Array(twoBlocks.utf8)).hex == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(
            SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
                == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// Bytes 0, 1, 2, … n-1, hashed by `hashlib.sha1(bytes(range(n)))`.
    @Test(arguments: [
        (55, "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2"), (56, "636e2ec698dac903498e648bd2f3af641d3c88cb"),
        (63, "6d942da0c4392b123528f2905c713a3ce28364bd"), (64, "c6138d514ffa2135bfce0ed0b8fac65669917ec7"),
        (65, "69bd728ad6e13cd76ff19751fde427b00e395746"), (119, "41c89d06001bab4ab78736b44efe7ce18ce6ae08"),
        (120, "d3dbd653bd8597b7475321b60a36891278e6a04a"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        #expect(SHA1.hash((0..<length).map { UInt8($0) }).hex == expected)
    }
}
