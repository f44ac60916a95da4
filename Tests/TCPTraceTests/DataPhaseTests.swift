import Foundation
import PcapSynth
import Testing
@testable import TCPTrace

@Suite struct DataPhaseTests {
    func figures(_ c: Connection, _ index: Int) -> [String: DirectionFigures.Value] {
        Dictionary(uniqueKeysWithValues: DirectionFigures.figures(c, index).map { ($0.name, $0.value) })
    }

    func number(_ v: DirectionFigures.Value?) -> Double? {
        switch v {
        case .int(let i)?: Double(i)
        case .number(let d)?: d
        default: nil
        }
    }

    @Test func perAckRTTWithKnownDelaysAndKarn() throws {
        // Handshake 1 ms apart; data at t, its ACK 5 ms later; data, ACK 7 ms later; data sent twice (the
        // second copy 20 ms later), its ACK 1 ms after the copy: no sample (Karn's rule).
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server, after: 4_000_000)
        f.data(.client, 100)
        f.ack(.server, after: 6_000_000)
        f.data(.client, 100)
        f.data(.client, 100, seq: 1201, after: 19_000_000)
        f.ack(.server)
        let a = try Analyzer.analyze(bytes: f.bytes)
        let c = try #require(a.connections.first)
        let rtt = c.client.stats.rtt
        #expect(rtt.count == 2)
        #expect(abs(rtt.min - 0.005) < 1e-9 && abs(rtt.max - 0.007) < 1e-9)
        #expect(abs(rtt.mean - 0.006) < 1e-9)
        #expect(abs(rtt.standardDeviation - 0.0014142135623730952) < 1e-9)
        #expect(abs(rtt.quantile(0.5) - 0.005) < 1e-6 && abs(rtt.quantile(0.95) - 0.007) < 1e-6)
        #expect(c.findings.map(\.code).contains(.retransmission))
        #expect(c.client.stats.retransmittedPackets == 1 && c.client.stats.retransmittedBytes == 100)
        #expect(c.client.stats.uniqueBytes == 300 && c.client.payloadBytes == 400)
    }

    @Test func handshakeRTTIsTheFrameTimeDifference() throws {
        // close-4way-client-first.pcap: SYN at 0.000000, SYN-ACK at 0.000032, ACK at 0.000044 (README listing).
        let c = try #require(try Analyzer.analyze(paths: [fixture("close-4way-client-first.pcap")]).connections.first)
        let client = figures(c, c.clientIndex), server = figures(c, c.serverIndex)
        #expect(abs((number(client["handshake_rtt"]) ?? -1) - 0.000032) < 1e-9)
        #expect(abs((number(server["handshake_rtt"]) ?? -1) - 0.000012) < 1e-9)
        #expect(number(client["payload_bytes"]) == 100 && number(server["payload_bytes"]) == 200)
        #expect(number(client["pure_acks"]) == 3)   // frames 3, 7 and 11
    }

    @Test func outOfOrderFiguresFromThePackets() throws {
        let c = try #require(try Analyzer.analyze(paths: [fixture("synthetic/out-of-order.pcap")]).connections.first)
        let client = figures(c, c.clientIndex)
        #expect(number(client["payload_packets"]) == 3)
        #expect(number(client["unique_bytes"]) == 300)
        #expect(number(client["out_of_order_packets"]) == 1)
        #expect(number(client["retransmitted_packets"]) == 0)
        #expect(number(client["gap_bytes"]) == 0)   // the hole was filled
        #expect(number(client["initial_window"]) == 65535)
        #expect(number(client["window_max"]) == 8_388_480.0)   // 65535 × 2^7: window scale 7 on both SYNs
    }

    @Test func csvParsesWithPythonAndMatchesJSON() throws {
        guard (try? runCLI(["python3", "-c", "pass"], executable: "/usr/bin/env"))?.status == 0 else {
            print("csvParsesWithPythonAndMatchesJSON skipped: python3 is not installed"); return
        }
        let capture = fixture("synthetic/out-of-order.pcap")
        let csv = try runCLI(["analyze", capture, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("id,client_address,client_port,server_address,server_port,first_frame,"))
        let path = try temporaryFile(Array(csv.stdout.utf8), name: "x.csv")
        let script = """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline='')))
            print(json.dumps({"n": len(rows), "start": rows[0]["start"], "ooo": rows[0]["client_out_of_order_packets"],
                              "unique": rows[0]["client_unique_bytes"], "rtt": rows[0]["client_rtt_max"],
                              "findings": rows[0]["findings"]}))
            """
        let parsed = try runCLI(["python3", "-c", script, path], executable: "/usr/bin/env")
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let row = try JSONNode.parse(parsed.stdout)
        let json = try JSONNode.parse(try runCLI(["analyze", capture, "--format", "json"]).stdout)
        guard case .array(let connections)? = json["connections"] else { Issue.record("no connections"); return }
        let stats = connections[0]["stats"]?["client"]
        #expect(row["n"] == .integer(1))
        #expect(row["start"] == .string("1700000000.000000000"))   // all nine digits, leading zeros kept
        #expect(row["ooo"] == .string("1") && stats?["out_of_order_packets"] == .integer(1))
        #expect(row["unique"] == .string("300") && stats?["unique_bytes"] == .integer(300))
        if case .number(let max)? = stats?["rtt_max"], case .string(let text)? = row["rtt"] {
            #expect(abs(Double(text)! - max) < 1e-12)
        } else { Issue.record("rtt_max missing") }
        #expect(row["findings"] == .string("lost-segment@5 out-of-order@6"))
    }

    @Test func longTextHasBothDirections() throws {
        let r = try runCLI(["analyze", fixture("synthetic/out-of-order.pcap"), "--long"])
        #expect(r.stdout.contains("client → server    server → client"))
        #expect(r.stdout.contains("  out of order packets:        1                  0\n"))
    }
}
