import Foundation
import Testing

@testable import TCPTrace

/// The host view on the two churn captures (2,000 sequential connections from 10.99.4.1 to 10.99.4.2:8080,
/// recorded with the kernel's own TIME_WAIT counts at the end: Fixtures/time-wait-counts.tsv).
@Suite struct HostViewTests {
    func view(_ name: String, portRange: ClosedRange<Int> = 32768...60999) throws -> (Analysis, HostView) {
        let analysis = try Analyzer.analyze(paths: [fixture(name)])
        var accumulator = HostAccumulator(options: HostOptions(portRange: portRange))
        for c in analysis.connections { accumulator.add(c) }
        return (analysis, accumulator.finish(captureEnd: try #require(analysis.input.lastTime)))
    }

    /// file → (client namespace count, server namespace count) as `ss -tan state time-wait` printed them.
    func kernelCounts() throws -> [String: (Int, Int)] {
        var result: [String: (Int, Int)] = [:]
        for row in try String(contentsOfFile: fixture("time-wait-counts.tsv"), encoding: .utf8).split(separator: "\n") {
            let f = row.split(separator: "\t").map(String.init)
            if f.count >= 3, let c = Int(f[1]), let s = Int(f[2]) { result[f[0]] = (c, s) }
        }
        return result
    }

    @Test func timeWaitAtTheEndEqualsTheKernelsCount() throws {
        let kernel = try kernelCounts()
        for name in ["tw-churn-client-closes.pcap", "tw-churn-server-closes.pcap"] {
            let (_, v) = try view(name)
            let client = try #require(v.hosts.first { $0.address == IPAddress("10.99.4.1") })
            let server = try #require(v.hosts.first { $0.address == IPAddress("10.99.4.2") })
            let counts = try #require(kernel[name])
            #expect(client.timeWaitAtEnd == counts.0, "\(name) client")
            #expect(server.timeWaitAtEnd == counts.1, "\(name) server")
        }
    }

    @Test func churnFigures() throws {
        let (_, v) = try view("tw-churn-client-closes.pcap")
        let client = try #require(v.hosts.first { $0.address == IPAddress("10.99.4.1") })
        #expect(client.openedAsClient == 2000 && client.acceptedAsServer == 0)
        #expect(client.timeWaitPeak == 2000)
        let pair = try #require(client.pairs.first)
        #expect(pair.pair.server.description == "10.99.4.2:8080")
        #expect(pair.connections == 2000)
        // The capture lasts 0.188 s: every handshake falls in the busiest second.
        #expect(pair.handshakesPerSecondPeak == 2000)
        // One 10-byte request and one 10-byte response each: every connection is a single round, and each but the
        // last is followed by the next well within a second.
        #expect(pair.singleRequest == 2000 && pair.requestsMedian == 1)
        #expect(pair.keepaliveCandidates == 1999)
        #expect(pair.timeWaitSide["client"] == 2000 && pair.timeWaitSide["server"] == 0)
        #expect(abs(pair.timeWaitPeakShare - 2000.0 / 28232.0) < 1e-9)
        #expect(v.findings.isEmpty)
        let (_, reversed) = try view("tw-churn-server-closes.pcap")
        #expect(reversed.hosts.first { $0.address == IPAddress("10.99.4.2") }?.timeWaitPeak == 2000)
        #expect(
            reversed.hosts.first { $0.address == IPAddress("10.99.4.1") }?.pairs.first?.timeWaitSide["server"] == 2000)
    }

    @Test func pressureOnANarrowPortRange() throws {
        let (analysis, v) = try view("tw-churn-client-closes.pcap", portRange: 40000...44999)
        let finding = try #require(v.findings.first)
        #expect(finding.code == .timeWaitPressure && finding.severity == .warning)
        #expect(finding.detail.contains("2000 of its 5000 ephemeral ports (40.0 %"))
        var withHosts = analysis
        withHosts.attach(v)
        #expect(withHosts.totals.byCode.contains { $0.code == .timeWaitPressure && $0.count == 1 })
        let json = JSONReport.render(withHosts)
        let validator = JSONSchemaValidator(
            root: try JSONNode.parse(
                try String(
                    contentsOfFile: packageRoot.appendingPathComponent("schema/tcptrace-swift-1.schema.json").path,
                    encoding: .utf8)))
        let errors = validator.validate(try JSONNode.parse(json))
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(try JSONNode.parse(json)["hosts"] != nil)
    }

    @Test func cliHostsAndFailOn() throws {
        let r = try runCLI([
            "analyze", fixture("tw-churn-client-closes.pcap"), "--hosts", "--port-range", "40000-44999",
            "--fail-on", "warning",
        ])
        #expect(r.status == 1)
        #expect(r.stdout.contains("[warning] time-wait-pressure: 10.99.4.1 holds TIME_WAIT on 2000 of its 5000"))
        #expect(
            try runCLI(["analyze", fixture("tw-churn-client-closes.pcap"), "--hosts", "--port-range", "9-3"]).status
                == 2)
    }
}

@Suite struct HostCheckTests {
    func run(_ yaml: String) throws -> [ExpectationResult] {
        let capture = fixture("tw-churn-client-closes.pcap")
        let path = try temporaryFile(Array(yaml.utf8), name: "churn.expect.yaml")
        let check = CheckSession.check(capture: capture, expectationPath: path, options: AnalysisOptions())
        #expect(check.error == nil, "\(check.error ?? "")")
        return check.results
    }

    @Test func hostFindingsFollowTheCheckRules() throws {
        let narrow = "options: {port_range: 40000-44999}\n"
        #expect(try run(narrow + "rules: [{findings: [time-wait-pressure]}]\n").allSatisfy(\.passed))
        let absent = try run(narrow + "rules: [{no_findings: [time-wait-pressure]}]\n")
        #expect(absent.count == 1 && !absent[0].passed)
        #expect(absent[0].message?.hasPrefix("host 10.99.4.1: unexpected time-wait-pressure") == true)
        #expect(try !run(narrow + "rules: [{fail_on: warning}]\n").allSatisfy(\.passed))
        #expect(try run(narrow + "rules: [{fail_on: error}]\n").allSatisfy(\.passed))
        // On the default range (28,232 ports) 2,000 TIME_WAIT sockets are 7 %: no pressure.
        #expect(try run("rules: [{no_findings: [time-wait-pressure]}]\n").allSatisfy(\.passed))
    }
}
