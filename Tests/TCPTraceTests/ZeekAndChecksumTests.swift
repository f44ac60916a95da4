import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Zeek's `conn_state` and `history` as Zeek 7.0 writes them (docs/connection-model.md, "Zeek conn_state and
/// history"; the rules quoted there from Zeek's TCPSessionAdapter.cc and conn/main.zeek), and
/// `--verify-checksums`, on captures built from bytes. Client letters are upper case, the server's lower.
@Suite struct ZeekAndChecksumTests {
    func only(_ f: FlowScript, verify: Bool = false) throws -> (Connection, Analysis) {
        let path = try temporaryFile(f.bytes)
        var options = AnalysisOptions()
        options.verifyChecksums = verify
        let a = try Analyzer.analyze(paths: [path], options: options)
        #expect(a.connections.count == 1)
        return (try #require(a.connections.first), a)
    }

    func zeek(_ build: (inout FlowScript) -> Void) throws -> (state: String, history: String) {
        var f = FlowScript()
        build(&f)
        let c = try only(f).0
        return (c.zeekConnState, c.zeekHistory)
    }

    @Test func theHandshakeIsS1AtTheSynAck() throws {
        #expect(
            try zeek {
                $0.syn(); $0.synAck()
            } == ("S1", "Sh"))
        #expect(try zeek { $0.syn() } == ("S0", "S"))
    }

    @Test func aConnectionFirstSeenAtItsSynAck() throws {
        // Zeek flips the roles: `^`, the SYN-ACK is the responder's; the client's ACK establishes both: S1.
        #expect(
            try zeek {
                $0.synAck(); $0.ack()
            } == ("S1", "^hA"))
        // Nobody answers the SYN-ACK: the originator stays inactive.
        #expect(try zeek { $0.synAck() } == ("OTH", "^h"))
    }

    @Test func retransmissionsAreWrittenOnALogarithmicScale() throws {
        // 1-3 handshake, 4 data 1001-1100, 5-14 the same segment ten times: `T` at the 1st and the 10th.
        let (state, history) = try zeek { f in
            f.handshake()
            f.data(.client, 100)
            for _ in 0..<10 { f.data(.client, 100, seq: 1001) }
        }
        #expect(state == "S1" && history == "ShADTT")
        // Nine: one `T` only.
        let nine = try zeek { f in
            f.handshake()
            f.data(.client, 100)
            for _ in 0..<9 { f.data(.client, 100, seq: 1001) }
        }
        #expect(nine.history == "ShADT")
    }

    @Test func zeroWindowsAreWrittenButNotOnARstNorAfterThePeersFin() throws {
        let ten = try zeek { f in
            f.handshake()
            for _ in 0..<10 { f.send(.server, flags: PacketBuilder.Flag.ack, window: 0) }
        }
        #expect(ten.history == "ShAaww")
        let afterFin = try zeek { f in
            f.handshake()
            f.fin(.client)
            f.send(.server, flags: PacketBuilder.Flag.ack, window: 0)
        }
        #expect(afterFin.history == "ShAFa")
        let onRst = try zeek { f in
            f.handshake()
            f.send(.server, flags: PacketBuilder.Flag.rst | PacketBuilder.Flag.ack, window: 0)
        }
        #expect(onRst == ("RSTR", "ShAr"))
    }

    @Test func aContentGapIsTheDataSendersLetter() throws {
        // 4 client data 1001-1100; 5 the server acknowledges 1501: 400 client bytes never seen.
        #expect(
            try zeek { f in
                f.handshake(); f.data(.client, 100); f.ack(.server, ack: 1501)
            } == ("S1", "ShADaG"))
    }

    @Test func controlLettersRepeatOnlyWithANewSequenceNumber() throws {
        // A FIN sent again at the same number: one `F`; a FIN at a new number (after 10 more bytes): a second.
        let same = try zeek { f in
            f.handshake(); f.fin(.client); f.fin(.client, seq: 1001)
        }
        #expect(same.history == "ShAF")
        let moved = try zeek { f in
            f.handshake()
            f.fin(.client)
            f.send(.client, flags: PacketBuilder.Flag.fin | PacketBuilder.Flag.ack, payload: 10, seq: 1001)
        }
        #expect(moved.history == "ShAFF")
        // A SYN retried with a new ISN inside the retry schedule: `S` twice. A SYN-ACK with the SYN's own
        // number shares its mask (a simultaneous open writes no `H`).
        #expect(
            try zeek { f in
                f.syn(); f.clientNext = 2000; f.syn()
            }.history == "SS")
    }

    @Test func multipleControlFlagsAreIAndQ() throws {
        let finRst = try zeek { f in
            f.handshake()
            f.send(.client, flags: PacketBuilder.Flag.fin | PacketBuilder.Flag.rst | PacketBuilder.Flag.ack)
        }
        #expect(finRst.history == "ShAI")
        let synRst = try zeek { f in
            f.syn(); f.send(.server, flags: PacketBuilder.Flag.syn | PacketBuilder.Flag.rst)
        }
        #expect(synRst.history == "Sq")
    }

    @Test func aFinAfterThePeersFinAndRstEndsSF() throws {
        // 4 client FIN, 5 client RST (the server still open: the client is RESET), 6 server FIN: Zeek turns
        // the client back to CLOSED, SF.
        let r = try zeek { f in
            f.handshake()
            f.fin(.client)
            f.rst(.client, withAck: false)
            f.fin(.server)
        }
        #expect(r == ("SF", "ShAFRf"))
    }

    // MARK: --verify-checksums

    /// 1-3 handshake, 4 the client's FIN with a spoiled TCP checksum, 5 the same FIN with a good one, 6-8
    /// the server's ACK and FIN and the client's ACK. Every other checksum is right.
    func finWithBadChecksum(ipv6: Bool = false) -> FlowScript {
        var f = ipv6 ? FlowScript(client: "fd00::1", server: "fd00::2") : FlowScript()
        f.fillsChecksums = true
        f.handshake()
        f.corruptNext = true
        f.fin(.client)
        f.fin(.client, seq: 1001)
        f.ack(.server)
        f.fin(.server)
        f.ack(.client)
        return f
    }

    @Test func aSegmentWithABadChecksumIsCountedNotUsed() throws {
        for ipv6 in [false, true] {
            let (checked, a) = try only(finWithBadChecksum(ipv6: ipv6), verify: true)
            #expect(
                a.input.checksums
                    == {
                        var c = ChecksumCounts(); c.bad = 1; return c
                    }())
            #expect(checked.badChecksums == 1)
            // Frame 4 never happened for the state machine: one FIN, no retransmission.
            #expect(checked.client.finFrame == 5 && findingList(checked).isEmpty)
            #expect(checked.closeKind == .fourWay && checked.zeekHistory == "ShACFaf")
            // Unchecked (the default), frame 4 is the FIN and frame 5 its retransmission.
            let (unchecked, b) = try only(finWithBadChecksum(ipv6: ipv6))
            #expect(b.input.checksums == nil && unchecked.badChecksums == 0)
            #expect(findingList(unchecked) == ["fin-retransmit@5"] && unchecked.zeekHistory == "ShAFaf")
        }
    }

    @Test func aCutPayloadCannotBeChecked() throws {
        // Snap length 70: the handshake's segments fit (66 bytes with the SYN options), the data segment
        // (154) does not.
        var f = FlowScript(writer: PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 70))
        f.fillsChecksums = true
        f.handshake()
        f.data(.client, 100)
        let (_, a) = try only(f, verify: true)
        #expect(a.input.checksums?.bad == 0 && a.input.checksums?.unverifiable == 1)
        let text = TextReport.render(a, timelines: [])
        #expect(text.contains("checksums: 0 bad (counted, not used for state), 1 could not be checked"))
    }

    @Test func theCLIFlagWritesTheCountsInJSON() throws {
        let path = try temporaryFile(finWithBadChecksum().bytes)
        let r = try runCLI(["analyze", path, "--verify-checksums", "--format", "json"])
        #expect(r.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let input = try #require(doc["input"] as? [String: Any])
        #expect((input["checksums"] as? [String: Int]) == ["bad": 1, "unverifiable": 0])
        let connection = try #require((doc["connections"] as? [[String: Any]])?.first)
        #expect(connection["bad_checksums"] as? Int == 1)
        // Without the flag neither member is written.
        let plain = try runCLI(["analyze", path, "--format", "json"])
        #expect(!plain.stdout.contains("checksums"))
    }
}
