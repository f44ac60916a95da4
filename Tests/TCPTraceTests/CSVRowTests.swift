import Testing

@testable import TCPTrace

/// The CSV row is written as bytes (`CSVReport.Row`), field by field; a field with a comma, a quote or a line
/// break is quoted afterwards with its quotes doubled (RFC 4180, 2.6 and 2.7). No field of today's rows can
/// hold one (addresses, numbers, our own words), so the quoting is checked here on its own, against the rule
/// and against `CSVReport.line`, which quotes the header's Strings.
@Suite struct CSVRowTests {
    private func row(_ fields: [String]) -> String {
        var row = CSVReport.Row(out: [])
        for field in fields { row.text(field) }
        return String(decoding: row.out, as: UTF8.self)
    }

    @Test func plainFieldsAreSeparatedByCommas() {
        #expect(row(["1", "10.0.0.1", "", "SF"]) == "1,10.0.0.1,,SF")
    }

    @Test func fieldsThatNeedQuotesAreQuotedWithQuotesDoubled() {
        #expect(row(["a,b", "x"]) == "\"a,b\",x")
        #expect(row(["say \"hi\""]) == "\"say \"\"hi\"\"\"")
        #expect(row(["line\nbreak", "cr\rhere"]) == "\"line\nbreak\",\"cr\rhere\"")
        let fields = ["a,b", "say \"hi\"", "plain", "", "x\ny"]
        #expect(row(fields) + "\r\n" == CSVReport.line(fields))
    }

    @Test func numbersAreSpelledAsJSONSpellsThem() {
        var row = CSVReport.Row(out: [])
        for d in [0.0, 3.0, 0.011145, 2e-06, 272913.3500113714, -1.5, .infinity, .nan] { row.number(d) }
        // The same text as `JSONValue.number` (Swift's shortest digits, whole values without a fraction), and
        // `description` for the two that are not finite.
        #expect(String(decoding: row.out, as: UTF8.self) == "0,3,0.011145,2e-06,272913.3500113714,-1.5,inf,nan")
    }
}
