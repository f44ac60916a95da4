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
            #expect(
                FileManager.default.fileExists(atPath: CheckSession.sidecar(for: capture)),
                "\(capture) has no expectation file")
        }
    }

    @Test(arguments: captures)
    func fixtureMeetsItsExpectations(_ capture: String) {
        let check = CheckSession.check(capture: capture, expectationPath: nil, options: AnalysisOptions())
        #expect(check.error == nil, "\(capture): \(check.error ?? "")")
        #expect(
            check.expectations != ExpectationFile.defaultPolicy.source, "\(capture) fell back to the default policy")
        for result in check.results where !result.passed {
            Issue.record("\(capture): \(result.name): \(result.message ?? "")")
        }
    }

    /// `Fixtures/expected.tsv`: tshark -q -z conv,tcp for each real capture, recorded by
    /// scripts/capture-fixtures.sh and checked by hand: conversations and packets in each direction. tshark
    /// starts a new conversation on a SYN after a close, as we start a new incarnation, so the numbers match
    /// connection by connection. One known difference: snaplen-60.pcap, where tshark drops every segment whose
    /// options are cut (0 conversations) and we keep the trustworthy fixed header (1 connection).
    @Test func connectionCountsMatchTshark() throws {
        let table = try String(contentsOfFile: fixture("expected.tsv"), encoding: .utf8)
        var checked = 0
        for row in table.split(separator: "\n") where !row.hasPrefix("#") && !row.hasPrefix("file") {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5, fields[0] != "snaplen-60.pcap" else { continue }
            let analysis = try Analyzer.analyze(paths: [fixture(fields[0])])
            #expect(analysis.input.packets == Int(fields[2]), "\(fields[0]) packets")
            #expect(analysis.input.linkTypes.map(\.name) == [fields[1]], "\(fields[0]) link type")
            #expect(analysis.connections.count == Int(fields[3]), "\(fields[0]) conversations")
            // Each tshark conversation "A:port>B:port=aToB/bToA" matches one of our connections.
            var mine = analysis.connections.map { c in
                (
                    Set([c.client.endpoint, c.server.endpoint]),
                    [c.client.endpoint: c.client.packets, c.server.endpoint: c.server.packets]
                )
            }
            for conversation in fields[4].split(separator: ";").map(String.init) {
                let parts = conversation.split(separator: "=")
                let ends = parts[0].split(separator: ">").map(String.init)
                let counts = parts[1].split(separator: "/").compactMap { Int($0) }
                let a = try #require(parseEndpoint(ends[0])), b = try #require(parseEndpoint(ends[1]))
                let match = mine.firstIndex { $0.0 == Set([a, b]) && $0.1[a] == counts[0] && $0.1[b] == counts[1] }
                #expect(match != nil, "\(fields[0]): no connection with \(conversation)")
                if let match { mine.remove(at: match) }
            }
            checked += 1
        }
        #expect(checked >= 28)
    }

    @Test func rotatedFilesAreOneTrace() throws {
        let a = try Analyzer.analyze(paths: [
            fixture("rotated-3.pcap"), fixture("rotated-1.pcap"), fixture("rotated-2.pcap"),
        ])
        #expect(
            a.input.files.map { URL(fileURLWithPath: $0.path).lastPathComponent } == [
                "rotated-1.pcap", "rotated-2.pcap", "rotated-3.pcap",
            ])
        #expect(a.connections.count == 3)
        #expect(
            a.connections.allSatisfy {
                $0.handshakeOutcome == .complete && $0.closeKind == .threeWay && $0.findings.isEmpty
            })
        let spanning = try #require(a.connections.first { $0.client.endpoint.port == 40011 })
        #expect(spanning.firstFrame == 1 && spanning.lastFrame == 36)
    }

    func parseEndpoint(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        return IPAddress(host).map { Endpoint(address: $0, port: port) }
    }
}

@Suite struct FindingCoverageTests {
    /// Fixtures that show a clean open and close: they must raise nothing at all.
    static let clean = [
        "lo-ipv4.pcap", "any-sll2.pcap", "any-sll.pcap", "lo-ipv6.pcap", "vlan.pcap", "qinq.pcap",
        "nano.pcap", "lo-ipv4.pcapng", "close-4way-client-first.pcap", "close-4way-server-first.pcap",
        "close-3way.pcap", "ipv6-close.pcap", "synthetic/textbook.pcap", "synthetic/sequence-wrap.pcap",
        "synthetic/raw-ip.pcap", "synthetic/loopback-null.pcap", "synthetic/loopback-loop.pcap",
        "synthetic/ipv4-linktype.pcap", "synthetic/ipv6-extension-headers.pcap",
        "synthetic/ipv4-options-fragments.pcap", "synthetic/big-endian-nano.pcap",
    ]

    @Test func everyFindingCodeIsProducedByAFixture() throws {
        var seen = Set<FindingCode>()
        for capture in CheckSession.captures(in: [fixture("")]) {
            let a = try Analyzer.analyze(paths: [capture])
            for c in a.connections { seen.formUnion(c.findings.map(\.code)) }
        }
        // The host-level code needs the host view: the churn capture on a 5,000-port range raises it.
        let churn = try Analyzer.analyze(paths: [fixture("tw-churn-client-closes.pcap")])
        var hosts = HostAccumulator(options: HostOptions(portRange: 40000...44999))
        for c in churn.connections { hosts.add(c) }
        seen.formUnion(hosts.finish(captureEnd: churn.input.lastTime ?? churn.connections[0].end).findings.map(\.code))
        let missing = FindingCode.allCases.filter { !seen.contains($0) }
        #expect(missing.isEmpty, "no fixture raises \(missing.map(\.rawValue))")
    }

    @Test(arguments: clean)
    func cleanFixturesRaiseNothing(_ name: String) throws {
        let a = try Analyzer.analyze(paths: [fixture(name)])
        #expect(a.connections.count == 1)
        #expect(
            a.connections.flatMap(\.findings).isEmpty,
            "\(name): \(a.connections.flatMap(\.findings).map(\.code.rawValue))")
    }
}
