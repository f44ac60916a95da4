import Foundation
import Testing
@testable import TCPTrace

/// Every committed fixture against its written expectation (X.expect.yaml, derived from the packet listing in
/// Fixtures/README.md or the scenario's comment), and the real captures against tshark's conversation counts.
@Suite struct FixtureTests {
    static let captures = CheckSession.captures(in: [fixture("")])

    @Test func everyFixtureHasAnExpectationFile() {
        #expect(Self.captures.count >= 19)
        for capture in Self.captures {
            #expect(FileManager.default.fileExists(atPath: CheckSession.sidecar(for: capture)),
                    "\(capture) has no expectation file")
        }
    }

    @Test(arguments: captures)
    func fixtureMeetsItsExpectations(_ capture: String) {
        let check = CheckSession.check(capture: capture, expectationPath: nil, options: AnalysisOptions())
        #expect(check.error == nil, "\(capture): \(check.error ?? "")")
        #expect(check.expectations != ExpectationFile.defaultPolicy.source, "\(capture) fell back to the default policy")
        for result in check.results where !result.passed {
            Issue.record("\(capture): \(result.name): \(result.message ?? "")")
        }
    }

    /// `Fixtures/expected.tsv`: tshark -q -z conv,tcp for each real capture, recorded by
    /// scripts/capture-fixtures.sh and checked by hand: connection count and packets in each direction.
    @Test func connectionCountsMatchTshark() throws {
        let table = try String(contentsOfFile: fixture("expected.tsv"), encoding: .utf8)
        var checked = 0
        for row in table.split(separator: "\n") where !row.hasPrefix("#") && !row.hasPrefix("file") {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            let analysis = try Analyzer.analyze(paths: [fixture(fields[0])])
            #expect(analysis.input.packets == Int(fields[2]), "\(fields[0]) packets")
            #expect(analysis.input.linkTypes.map(\.name) == [fields[1]], "\(fields[0]) link type")
            let conversations = fields[4].split(separator: ";").map(String.init)
            // tshark counts conversations per 4-tuple; we count incarnations, so compare per 4-tuple.
            let tuples = Set(analysis.connections.map { [$0.client.endpoint, $0.server.endpoint].sorted() })
            #expect(tuples.count == Int(fields[3]), "\(fields[0]) conversations")
            #expect(conversations.count == Int(fields[3]))
            for conversation in conversations {
                // "A:port>B:port=aToB/bToA"
                let parts = conversation.split(separator: "=")
                let ends = parts[0].split(separator: ">").map(String.init)
                let counts = parts[1].split(separator: "/").compactMap { Int($0) }
                let a = try #require(parseEndpoint(ends[0])), b = try #require(parseEndpoint(ends[1]))
                let mine = analysis.connections.filter { Set([$0.client.endpoint, $0.server.endpoint]) == Set([a, b]) }
                let aToB = mine.reduce(0) { $0 + ($1.client.endpoint == a ? $1.client.packets : $1.server.packets) }
                let bToA = mine.reduce(0) { $0 + ($1.client.endpoint == b ? $1.client.packets : $1.server.packets) }
                #expect([aToB, bToA] == counts, "\(fields[0]) \(conversation)")
            }
            checked += 1
        }
        #expect(checked >= 10)
    }

    func parseEndpoint(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        return IPAddress(host).map { Endpoint(address: $0, port: port) }
    }
}
