import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

@Suite struct JSONReportTests {
    static let schemaPath = packageRoot.appendingPathComponent("schema/tcptrace-swift-1.schema.json").path

    func validator() throws -> JSONSchemaValidator {
        let text = try String(contentsOfFile: JSONReportTests.schemaPath, encoding: .utf8)
        return JSONSchemaValidator(root: try JSONNode.parse(text))
    }

    @Test func everySyntheticFixtureValidatesAgainstTheSchema() throws {
        let v = try validator()
        for s in SyntheticScenarios.all {
            let json = JSONReport.render(try analyze(s.build()))
            let errors = v.validate(try JSONNode.parse(json))
            #expect(errors.isEmpty, "\(s.name): \(errors.prefix(5))")
        }
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        let v = try validator()
        var json = JSONReport.render(try analyze(scenario("raw-ip")))
        #expect(v.validate(try JSONNode.parse(json)).isEmpty)
        json = json.replacingOccurrences(of: "\"four-way\"", with: "\"five-way\"")
        #expect(v.validate(try JSONNode.parse(json)).contains { $0.contains("$.connections[0].close.kind") })
        let renamed = JSONReport.render(try analyze(scenario("raw-ip"))).replacingOccurrences(
            of: "\"first_frame\": 1,",
            with: "\"firstFrame\": 1,")
        #expect(!v.validate(try JSONNode.parse(renamed)).isEmpty)
    }

    @Test func fieldsCarryThePacketFacts() throws {
        let doc = try JSONNode.parse(JSONReport.render(try analyze(scenario("reuse-lower-isn"))))
        #expect(doc["schema"] == .string("tcptrace-swift/1"))
        #expect(doc["summary"]?["connections"] == .integer(2))
        #expect(doc["summary"]?["findings"]?["time-wait-reuse"] == .integer(1))
        guard case .array(let connections)? = doc["connections"] else { Issue.record("no connections"); return }
        let first = connections[0]
        #expect(first["client"]?["address"] == .string("10.0.0.1"))
        #expect(first["server"]?["port"] == .integer(80))
        #expect(first["handshake"]?["client_isn"] == .integer(1000))
        #expect(first["handshake"]?["server_isn"] == .integer(5000))
        #expect(first["handshake"]?["syn_frame"] == .integer(1))
        #expect(first["handshake"]?["synack_frame"] == .integer(2))
        #expect(first["handshake"]?["ack_frame"] == .integer(3))
        #expect(first["handshake"]?["options"]?["client"]?["mss"] == .integer(1460))
        #expect(first["close"]?["kind"] == .string("four-way"))
        #expect(first["close"]?["frames"]?["client_fin"] == .integer(6))
        #expect(first["states"]?["client"] == .string("TIME_WAIT"))
        #expect(first["time_wait"]?["side"] == .string("client"))
        // TIME_WAIT began at frame 9 (1700000000.008 s); reuse 5.001 s later ends it.
        #expect(first["time_wait"]?["start"] == .number(1_700_000_000.008))
        #expect(first["time_wait"]?["end"] == .number(1_700_000_005.009))
        #expect(first["time_wait"]?["reused_after"] == .number(5.001))
        #expect(first["zeek"]?["conn_state"] == .string("SF"))
        #expect(first["zeek"]?["history"] == .string("ShADaFf"))
        let reuse = connections[1]["findings"]
        guard case .array(let findings)? = reuse else { Issue.record("no findings"); return }
        #expect(findings[0]["code"] == .string("time-wait-reuse"))
        #expect(findings[0]["severity"] == .string("warning"))
        #expect(findings[0]["frame"] == .integer(10))
        #expect(findings[0]["sender"] == .string("client"))
    }
}
