/// Zeek's conn.log in its TSV form (`--format zeek`), with the field list and types of Zeek 6.0's
/// `Conn::Info` plus `community_id` (as Zeek's `policy/protocols/conn/community-id-logging` adds it), so Zeek
/// log readers and shippers take it as it is. One row per connection, in the run's order; what differs from
/// Zeek is in docs/zeek.md.
public enum ZeekLog {
    /// The Zeek release whose conn.log this follows.
    public static let zeekVersion = "6.0"

    /// `#fields` and `#types`, in Zeek 6.0's order (a later Zeek appends `ip_proto`, not written here).
    static let columns: [(name: String, type: String)] = [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("proto", "enum"), ("service", "string"), ("duration", "interval"),
        ("orig_bytes", "count"), ("resp_bytes", "count"), ("conn_state", "string"), ("local_orig", "bool"),
        ("local_resp", "bool"), ("missed_bytes", "count"), ("history", "string"), ("orig_pkts", "count"),
        ("orig_ip_bytes", "count"), ("resp_pkts", "count"), ("resp_ip_bytes", "count"),
        ("tunnel_parents", "set[string]"), ("community_id", "string"),
    ]

    /// The header lines, `#open` at time `open` (Zeek writes the wall clock; here it is the first connection's
    /// start, so the same input gives the same file).
    public static func header(open: Timestamp) -> String {
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
            + "#open\t\(logTime(open))\n"
            + "#fields\t" + columns.map(\.name).joined(separator: "\t") + "\n"
            + "#types\t" + columns.map(\.type).joined(separator: "\t") + "\n"
    }

    /// The closing line: `#close` at `time` (the capture's last packet).
    public static func close(_ time: Timestamp) -> String {
        "#close\t\(logTime(time))\n"
    }

    /// Zeek's `#open`/`#close` form, UTC: `2026-11-25-15-00-30`.
    static func logTime(_ t: Timestamp) -> String {
        let iso = TimeWriter.iso8601(t)  // 2026-11-25T15:00:30.858140Z
        return String(iso.prefix(19).map { $0 == "T" || $0 == ":" ? "-" : $0 })
    }

    /// Appends connection `c`'s row (client as originator) under Community ID seed `seed`.
    public static func appendRow(_ c: Connection, seed: UInt16, to out: inout [UInt8]) {
        let tab = UInt8(ascii: "\t")
        let unset = UInt8(ascii: "-")
        let (o, r) = (c.clientIndex, c.serverIndex)
        let (orig, resp) = (c.side(o, \.endpoint), c.side(r, \.endpoint))
        appendSeconds(c.start.nanoseconds, to: &out)
        out.append(tab)
        appendUID(c, to: &out)
        out.append(tab)
        out.append(contentsOf: orig.address.description.utf8)
        out.append(tab)
        appendInteger(UInt64(orig.port), to: &out)
        out.append(tab)
        out.append(contentsOf: resp.address.description.utf8)
        out.append(tab)
        appendInteger(UInt64(resp.port), to: &out)
        out.append(contentsOf: "\ttcp\t-\t".utf8)
        // Zeek's set_conn: duration and the byte counts only when the duration is above 0.
        let duration = c.zeekDuration
        if duration > 0 {
            appendSeconds(c.zeek.lastTime &- c.start.nanoseconds, to: &out)
            out.append(tab)
            appendInteger(c.zeekBytes(o), to: &out)
            out.append(tab)
            appendInteger(c.zeekBytes(r), to: &out)
        } else {
            out.append(contentsOf: "-\t-\t-".utf8)
        }
        out.append(tab)
        out.append(contentsOf: c.zeekConnState.utf8)
        // local_orig, local_resp: unset, as Zeek leaves them without Site::local_nets.
        out.append(contentsOf: "\t-\t-\t".utf8)
        appendInteger(c.zeekMissedBytes, to: &out)
        out.append(tab)
        let history = c.zeekHistory
        if history.isEmpty { out.append(unset) } else { out.append(contentsOf: history.utf8) }
        for i in [o, r] {
            out.append(tab)
            appendInteger(UInt64(c.side(i, \.packets)), to: &out)
            out.append(tab)
            appendInteger(c.side(i, \.ipBytes), to: &out)
        }
        out.append(tab)
        appendTunnelParent(c, to: &out)
        out.append(tab)
        CommunityID.append(orig, resp, seed: seed, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// A deterministic Zeek-style uid: `C` and 16 base-62 digits of 95 bits of the SHA-1 of the connection's
    /// place in the trace (id, first frame, start) and its 4-tuple. The same input gives the same uids.
    static func appendUID(_ c: Connection, to out: inout [UInt8]) {
        withUID(c) { out.append(contentsOf: $0) }
    }

    /// Connection `c`'s uid (`appendUID`).
    public static func uid(_ c: Connection) -> String {
        withUID(c) { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs `body` on connection `c`'s uid (`appendUID`), made on the stack.
    static func withUID<R>(_ c: Connection, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var input: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  // 96 bytes ≥ 18 + 24 + 40
        let digest = withUnsafeMutableBytes(of: &input) { raw in
            var n = 0
            for byte in "tcptrace-swift uid".utf8 {
                raw[n] = byte
                n += 1
            }
            func put(_ value: UInt64) {
                for shift in stride(from: 56, through: 0, by: -8) {
                    raw[n] = UInt8(truncatingIfNeeded: value >> shift)
                    n += 1
                }
            }
            put(UInt64(c.id))
            put(UInt64(c.firstFrame))
            put(UInt64(bitPattern: c.start.nanoseconds))
            CommunityID.withHashInput(c.sideA.endpoint, c.sideB.endpoint, seed: 0) { tuple in
                for byte in tuple {
                    raw[n] = byte
                    n += 1
                }
            }
            return CommunityID.sha1(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 17
        return withUnsafeMutableBytes(of: &text) { raw in
            base62(digest, prefix: UInt8(ascii: "C"), into: raw)
            return body(UnsafeRawBufferPointer(rebasing: raw[0..<17]))
        }
    }

    /// Zeek's `tunnel_parents`: the uid of the innermost tunnel the connection came in (Zeek's is its outer
    /// connection's; here a uid made from the layer's kind, its unordered outer address pair and its VNI, which
    /// names no row of this log), or unset when it came in none.
    static func appendTunnelParent(_ c: Connection, to out: inout [UInt8]) {
        guard let tunnels = c.tunnels, let layers = tunnels.paths[c.clientIndex] ?? tunnels.paths[c.serverIndex],
            let layer = layers.last
        else {
            out.append(UInt8(ascii: "-"))
            return
        }
        let pair = [layer.source, layer.destination].sorted()
        var input = Array("tcptrace-swift tunnel \(layer.kind.name) \(pair[0]) \(pair[1])".utf8)
        if let vni = layer.vni { input += Array(" \(vni)".utf8) }
        var text = [UInt8](repeating: 0, count: 17)
        text.withUnsafeMutableBytes { base62(SHA1.hash(input), prefix: UInt8(ascii: "C"), into: $0) }
        out += text
    }

    private static let digits: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix` and the first 95 bits of `digest` in 16 base-62 digits (62^16 > 2^95), most significant
    /// first, into the first 17 bytes of `out` (Zeek's uids are as long: `C` and 96 random bits in base 62).
    private static func base62(_ digest: SHA1.Digest, prefix: UInt8, into out: UnsafeMutableRawBufferPointer) {
        // The first 12 bytes, as three big-endian words (SHA-1's own words).
        var words = (digest.words.0, digest.words.1, digest.words.2)
        words.0 &= 0x7fff_ffff
        out[0] = prefix
        for position in stride(from: 16, through: 1, by: -1) {
            // Long division of the 96-bit number by 62, word by word.
            var remainder: UInt64 = 0
            var value = UInt64(words.0)
            words.0 = UInt32(value / 62)
            remainder = value % 62
            value = remainder << 32 | UInt64(words.1)
            words.1 = UInt32(value / 62)
            remainder = value % 62
            value = remainder << 32 | UInt64(words.2)
            words.2 = UInt32(value / 62)
            remainder = value % 62
            out[position] = digits[Int(remainder)]
        }
    }

    /// Seconds with six decimals (Zeek's `time` and `interval`), rounded to the microsecond.
    static func appendSeconds(_ nanoseconds: Int64, to out: inout [UInt8]) {
        if nanoseconds < 0 { out.append(UInt8(ascii: "-")) }
        let micro = (nanoseconds.magnitude + 500) / 1000
        appendInteger(micro / 1_000_000, to: &out)
        out.append(UInt8(ascii: "."))
        appendInteger(micro % 1_000_000, count: 6, to: &out)
    }

    /// `value` in decimal (`ASCIIDigits`), zero-padded to `count` digits when given.
    static func appendInteger(_ value: UInt64, count: Int? = nil, to out: inout [UInt8]) {
        let digits = count ?? ASCIIDigits.count(value)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: digits))
        out.withUnsafeMutableBufferPointer { buffer in
            ASCIIDigits.write(value, digits: digits, endingAt: buffer.baseAddress! + start + digits)
        }
    }
}
