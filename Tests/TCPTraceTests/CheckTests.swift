import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct CheckTests {
    /// rst-in-time-wait: one connection 10.0.0.1:40000 → 10.0.0.2:80, complete handshake, four-way close by
    /// the client, client TIME_WAIT at frame 7 then a server RST at frame 8 (t + 0.107 s).
    func results(_ yaml: String, scenarioName: String = "rst-in-time-wait") throws -> [ExpectationResult] {
        let file = try ExpectationParser.parse(yaml, path: "x.expect.yaml")
        return CheckRunner.evaluate(file, on: try analyze(scenario(scenarioName)))
    }

    func passes(_ yaml: String, scenarioName: String = "rst-in-time-wait") throws -> Bool {
        let r = try results(yaml, scenarioName: scenarioName)
        #expect(!r.isEmpty)
        return r.allSatisfy(\.passed)
    }

    @Test func everyKindPassesAndFails() throws {
        let pairs: [(pass: String, fail: String)] = [
            ("connections: 1", "connections: 2"),
            ("connections: 1..3", "connections: {min: 2}"),
            ("rules: [{handshake: complete}]", "rules: [{handshake: [refused, half-open]}]"),
            ("rules: [{close: four-way}]", "rules: [{close: reset}]"),
            ("rules: [{initiator: client}]", "rules: [{initiator: server}]"),
            ("rules: [{states: {server: CLOSED}}]", "rules: [{states: {client: TIME_WAIT}}]"),
            ("rules: [{conn_state: SF}]", "rules: [{conn_state: RSTR}]"),
            ("rules: [{time_wait: client}]", "rules: [{time_wait: none}]"),
            ("rules: [{findings: [rst-in-time-wait]}]", "rules: [{findings: [reset]}]"),
            (
                "rules: [{findings: [{code: rst-in-time-wait, frame: 8, count: 1}]}]",
                "rules: [{findings: [{code: rst-in-time-wait, frame: 7}]}]"
            ),
            ("rules: [{no_findings: [reset, refused]}]", "rules: [{no_findings: [rst-in-time-wait]}]"),
            ("rules: [{fail_on: error}]", "rules: [{fail_on: warning}]"),
            ("rules: [{max_duration: 0.2}]", "rules: [{max_duration: 0.1}]"),
            ("rules: [{max_handshake_rtt: 0.01}]", "rules: [{max_handshake_rtt: 0.001}]"),
            (
                "rules: [{match: {server_port: 80, client: 10.0.0.1}, close: four-way}]",
                "rules: [{match: {server_port: 443}, close: four-way}]"
            ),
            ("rules: [{match: {id: 1}, handshake: complete}]", "rules: [{match: {id: 2}, handshake: complete}]"),
        ]
        for (pass, fail) in pairs {
            #expect(try passes(pass), "should pass: \(pass)")
            #expect(try !passes(fail), "should fail: \(fail)")
        }
    }

    @Test func failureMessagesUseTheToolsTerms() throws {
        let r = try results("rules: [{close: reset}]")
        #expect(
            r[0].message == "connection 1 10.0.0.1:40000 → 10.0.0.2:80: expected close reset, saw four-way by client "
                + "(first FIN at frame 4)")
        let refused = try results("rules: [{close: four-way}]", scenarioName: "stale-syn")
        #expect(
            refused[0].message == "connection 1 10.0.0.1:40000 → 10.0.0.2:80: expected close four-way, saw reset by "
                + "client at frame 3")
        let unmatched = try results("rules: [{match: {server_port: 443}, close: four-way}]")
        #expect(unmatched[0].message == "no connection matches server_port 443")
    }

    @Test func unknownKeysAndValuesNameTheLine() {
        let cases: [(yaml: String, line: Int, text: String)] = [
            ("connections: 1\nrules:\n  - handshake: complete\n    clsoe: four-way\n", 4, "unknown key `clsoe`"),
            ("rules:\n  - findings: [syn-retransmitted]\n", 2, "unknown value `syn-retransmitted`"),
            ("rules:\n  - states: {client: TIMEWAIT}\n", 2, "unknown value `TIMEWAIT`"),
            ("rules:\n  - conn_state: XX\n", 2, "unknown conn_state `XX`"),
            ("connections: many\n", 1, "is not a count"),
            ("rules:\n  - match: {port: 80}\n", 2, "unknown key `port`"),
            ("rules:\n  - match: {client: 10.0.0}\n", 2, "is not an IP address"),
        ]
        for c in cases {
            do {
                _ = try ExpectationParser.parse(c.yaml, path: "f.expect.yaml")
                Issue.record("accepted: \(c.yaml)")
            } catch {
                #expect(error.line == c.line, "\(c.yaml)")
                #expect(error.message.contains(c.text), "\(error)")
                #expect(error.description.hasPrefix("f.expect.yaml:\(c.line): "))
            }
        }
    }

    @Test func malformedYAML() {
        do {
            _ = try ExpectationParser.parse("rules: [handshake: complete\n  - {", path: "bad.expect.yaml")
            Issue.record("accepted malformed YAML")
        } catch {
            #expect(error.description.hasPrefix("bad.expect.yaml: invalid YAML"))
        }
    }

    @Test func junitParsesWithCounts() throws {
        let path = try temporaryFile(scenario("rst-in-time-wait"), name: "x.pcap")
        let sidecar = CheckSession.sidecar(for: path)
        #expect(sidecar.hasSuffix("/x.expect.yaml"))
        try "connections: 1\nrules:\n  - close: four-way\n    no_findings: [rst-in-time-wait]\n"
            .write(toFile: sidecar, atomically: true, encoding: .utf8)
        let checks = [
            CheckSession.check(capture: path, expectationPath: nil, options: AnalysisOptions()),
            CheckSession.check(capture: "/nonexistent.pcap", expectationPath: nil, options: AnalysisOptions()),
        ]
        #expect(checks[0].results.count == 3 && checks[0].failures == 1)
        #expect(checks[1].error == "/nonexistent.pcap: no such file")
        let xml = CheckReport.junit(checks)
        let counter = JUnitCounter()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "JUnit XML must be well-formed")
        #expect(counter.suites == 2)
        #expect(counter.cases == 4)
        #expect(counter.failures == 1)
        #expect(counter.errors == 1)
        #expect(counter.rootAttributes["tests"] == "4" && counter.rootAttributes["failures"] == "1")
    }

    @Test func snapshotRoundTrips() throws {
        for s in SyntheticScenarios.all {
            let analysis = try analyze(s.build())
            let yaml = ExpectationSnapshot.yaml(for: analysis, capture: "\(s.name).pcap")
            let file = try ExpectationParser.parse(yaml, path: "\(s.name).expect.yaml")
            let r = CheckRunner.evaluate(file, on: analysis)
            let failures = r.filter { !$0.passed }.map { $0.message ?? "" }
            #expect(failures.isEmpty, "\(s.name): \(failures)")
        }
    }
}

final class JUnitCounter: NSObject, XMLParserDelegate {
    var suites = 0, cases = 0, failures = 0, errors = 0
    var rootAttributes: [String: String] = [:]

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "testsuites": rootAttributes = attributes
        case "testsuite": suites += 1
        case "testcase": cases += 1
        case "failure": failures += 1
        case "error": errors += 1
        default: break
        }
    }
}
