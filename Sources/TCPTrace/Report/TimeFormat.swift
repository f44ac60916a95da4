#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a text output writes a time (`-t/--time-format`, as tshark's `-t r|ad|e|d`): seconds since the capture's
/// first packet (the default), an ISO 8601 date and time, seconds since the Unix epoch, or seconds since the
/// previous segment of the same timeline or ladder. A table has no previous row, so `delta` is refused there.
public enum TimeFormat: String, Sendable, CaseIterable {
    case relative, absolute, epoch, delta
}

/// Writes times as a `TimeFormat` says, relative to the capture's first packet.
public struct TimeWriter: Sendable {
    public var format: TimeFormat
    /// The capture's first packet.
    public var start: Timestamp
    /// The machine's time zone for `absolute` instead of UTC (`--local-time`).
    public var localTime: Bool

    public init(format: TimeFormat, start: Timestamp, localTime: Bool = false) {
        self.format = format
        self.start = start
        self.localTime = localTime
    }

    /// `t` as the format says; `delta` needs the previous time of the same series (nil for its first: 0).
    public func text(_ t: Timestamp, previous: Timestamp? = nil) -> String {
        switch format {
        case .relative: Format.fixed(start.interval(to: t), decimals: 6)
        case .delta: Format.fixed(max(0, (previous ?? t).interval(to: t)), decimals: 6)
        case .epoch: TimeWriter.epoch(t)
        case .absolute: TimeWriter.iso8601(t, localTime: localTime)
        }
    }

    /// The header line a table or a ladder prints once: the capture's absolute start, and what its times are.
    public var headerLine: String {
        let iso = TimeWriter.iso8601(start, localTime: localTime)
        return switch format {
        case .relative: "times: seconds since the first packet, \(iso)\n"
        case .delta: "times: seconds since the previous segment; first packet \(iso)\n"
        case .epoch: "times: seconds since 1970-01-01T00:00:00Z; first packet \(iso)\n"
        case .absolute: "times: \(localTime ? "local time" : "UTC"); first packet \(iso)\n"
        }
    }

    /// Seconds since the epoch with six decimals, or nine when the time has sub-microsecond digits
    /// (a nanosecond capture), as tshark writes them.
    static func epoch(_ t: Timestamp) -> String {
        let text = t.description  // nine decimals, exact
        return t.nanoseconds % 1000 == 0 ? String(text.dropLast(3)) : text
    }

    /// ISO 8601 (RFC 3339) with microseconds, or nanoseconds when there are sub-microsecond digits:
    /// `2026-11-17T10:12:38.101638Z`, or with the local offset (`+01:00`) under `localTime`.
    public static func iso8601(_ t: Timestamp, localTime: Bool = false) -> String {
        withISO8601(t, localTime: localTime) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 of `iso8601`, made in a stack buffer (JSON writes it per connection without
    /// a String). UTC from the civil calendar (days to year, month, day as in Howard Hinnant's
    /// `civil_from_days`); the local offset, under `localTime`, from `localtime_r`.
    public static func withISO8601<R>(
        _ t: Timestamp, localTime: Bool = false, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        var seconds = t.nanoseconds / 1_000_000_000
        var fraction = t.nanoseconds % 1_000_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000_000
        }
        var offset = 0
        if localTime {
            var clock = time_t(seconds)
            var parts = tm()
            localtime_r(&clock, &parts)
            offset = Int(parts.tm_gmtoff)
        }
        let local = seconds + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        // civil_from_days: the era of 400 years, the day of the era, the year of the era, the day of the year
        // counted from March 1st.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // `YYYY-MM-DDTHH:MM:SS.` (20), nine digits, `+HH:MM` (6): 35 bytes at most for years of four digits.
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var n = 0
            func put(_ value: Int64, digits: Int) {
                ASCIIDigits.write(UInt64(max(0, value)), digits: digits, endingAt: base + n + digits)
                n += digits
            }
            func put(_ byte: Unicode.Scalar) {
                base[n] = UInt8(ascii: byte)
                n += 1
            }
            put(min(year, 9999), digits: 4)
            put("-")
            put(month, digits: 2)
            put("-")
            put(day, digits: 2)
            put("T")
            put(secondOfDay / 3600, digits: 2)
            put(":")
            put(secondOfDay / 60 % 60, digits: 2)
            put(":")
            put(secondOfDay % 60, digits: 2)
            put(".")
            if fraction % 1000 == 0 { put(fraction / 1000, digits: 6) } else { put(fraction, digits: 9) }
            if offset == 0 {
                put("Z")
            } else {
                put(offset < 0 ? "-" : "+")
                put(Int64(abs(offset) / 3600), digits: 2)
                put(":")
                put(Int64(abs(offset) / 60 % 60), digits: 2)
            }
            return body(UnsafeRawBufferPointer(start: base, count: n))
        }
    }
}
