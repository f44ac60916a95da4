/// Captures a kernel will not produce, written by the project's own writer. `make-fixtures` writes each to
/// `Fixtures/synthetic/NAME.pcap`; tests rebuild them in memory and check the committed files match.
/// Every scenario is client 10.0.0.1:40000 → server 10.0.0.2:80, client ISN 1000, server ISN 5000, packets
/// 1 ms apart from 2023-11-14T22:13:20Z, unless its comment says otherwise.
public enum SyntheticScenarios {
    public static let all: [(name: String, build: @Sendable () -> [UInt8])] = [
        ("textbook", textbook),
        ("handshake-bad-synack", handshakeBadSynAck),
        ("handshake-bad-ack", handshakeBadThirdAck),
        ("fin-bad-ack", finBadAck),
        ("data-after-fin", dataAfterFin),
        ("stale-syn", staleSyn),
        ("simultaneous-open", simultaneousOpen),
        ("sequence-wrap", sequenceWrap),
        ("rst-in-time-wait", rstInTimeWait),
        ("reuse-lower-isn", reuseLowerISN),
        ("syn-new-isn", synNewISN),
        ("spurious-retransmission", spuriousRetransmission),
        ("out-of-order", outOfOrder),
        ("ack-unseen-segment", ackUnseenSegment),
        ("window-shrunk", windowShrunk),
        ("old-incarnation-segment", oldIncarnationSegment),
        ("syn-unanswered", synUnanswered),
        ("syn-with-data", synWithData),
        ("loopback-null", loopbackNull),
        ("loopback-loop", loopbackLoop),
        ("raw-ip", rawIP),
        ("ipv4-linktype", ipv4LinkType),
        ("ipv6-extension-headers", ipv6ExtensionHeaders),
        ("ipv4-options-fragments", ipv4OptionsAndFragments),
        ("big-endian-nano", bigEndianNano),
        ("stale-synack", staleSynAck),
        ("half-open-peer", halfOpenPeer),
        ("rst-unacceptable-syn-sent", rstUnacceptableInSynSent),
        ("rst-challenge-ack", rstChallengeAck),
        ("rst-outside-window", rstOutsideWindow),
        ("rst-forged-ttl", rstForgedTTL),
        ("three-interfaces", threeInterfaces),
        ("textbook-snoop", textbookSnoop),
        ("encapsulations-ethernet", encapsulationsEthernet),
        ("ppp", pppLink),
        ("ppp-serial", pppSerialLink),
        ("ppp-ether", pppEtherLink),
        ("simple-packets", simplePackets),
        ("cisco-hdlc", ciscoHDLCLink),
        ("ieee80211", ieee80211Link),
        ("radiotap", radiotapLink),
        ("tunnels-udp", tunnelsUDP),
        ("tunnels-gre", tunnelsGRE),
        ("tunnels-nested", tunnelsNested),
        ("two-interface-copies", twoInterfaceCopies),
    ]

    /// The file name of a scenario's fixture: `NAME.pcapng` for the pcapng ones, `NAME.pcap` for the rest.
    public static func fileName(_ name: String, _ bytes: [UInt8]) -> String {
        if bytes.starts(with: [0x0A, 0x0D, 0x0D, 0x0A]) { return "\(name).pcapng" }
        if bytes.starts(with: Array("snoop".utf8)) { return "\(name).snoop" }
        return "\(name).pcap"
    }

    static func closeFourWay(_ f: inout FlowScript) {
        f.fin(.client)
        f.ack(.server)
        f.fin(.server)
        f.ack(.client)
    }

    /// The textbook open and close, 10 ms apart: SYN seq=x; SYN-ACK seq=y ack=x+1; ACK ack=y+1; FIN; ACK;
    /// FIN; ACK. The client closes first and holds TIME_WAIT.
    static func textbook() -> [UInt8] {
        var f = FlowScript()
        f.step = 10_000_000
        f.handshake()
        closeFourWay(&f)
        return f.bytes
    }

    /// 1 SYN, 2 SYN-ACK acknowledging 1000 (ISN, not ISN+1), 3 ACK, then data and a clean close.
    static func handshakeBadSynAck() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.synAck(ack: 1000)
        f.ack()
        f.data(.client, 10)
        f.ack(.server)
        closeFourWay(&f)
        return f.bytes
    }

    /// 1 SYN, 2 SYN-ACK, 3 ACK acknowledging 5000 (the server ISN, not ISN+1), then a clean close.
    static func handshakeBadThirdAck() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.synAck()
        f.ack(ack: 5000)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake (1-3), 4 client FIN seq 1001, 5 server ACK 1003 (should be 1002), 6 server FIN, 7 client ACK.
    static func finBadAck() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.fin(.client)
        f.ack(.server, ack: 1003)
        f.fin(.server, ack: 1002)
        f.ack(.client)
        return f.bytes
    }

    /// Handshake (1-3), 4 client FIN (seq 1001), 5 server ACK, 6 client sends 20 bytes at seq 1002 after its
    /// FIN, 7 server FIN, 8 client ACK.
    static func dataAfterFin() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.fin(.client)
        f.ack(.server)
        f.data(.client, 20)
        f.fin(.server, ack: 1002)
        f.ack(.client)
        return f.bytes
    }

    /// An old duplicate SYN (ISN 777) reaches the server: 1 SYN, 2 SYN-ACK ack 778, 3 client RST (seq 778),
    /// then the client's real SYN (ISN 1000 → new incarnation? no: same attempt is closed by the RST), handshake
    /// completes and closes cleanly in frames 4-10.
    static func staleSyn() -> [UInt8] {
        var f = FlowScript(clientISN: 777)
        f.syn()
        f.synAck()
        f.rst(.client, withAck: false, seq: 778)
        f.clientNext = 1000
        f.serverNext = 9000
        f.handshake()
        closeFourWay(&f)
        return f.bytes
    }

    /// RFC 9293 figure 7: 1 A SYN (ISN 1000), 2 B SYN (ISN 5000), 3 A SYN-ACK seq 1000 ack 5001,
    /// 4 B SYN-ACK seq 5000 ack 1001, then a four-way close (5-8) started by A.
    static func simultaneousOpen() -> [UInt8] {
        var f = FlowScript(clientPort: 5000, serverPort: 5001)
        f.syn()
        f.send(.server, flags: PacketBuilder.Flag.syn, options: FlowScript.synOptions)
        f.send(
            .client, flags: PacketBuilder.Flag.syn | PacketBuilder.Flag.ack, seq: 1000, ack: 5001,
            options: FlowScript.synOptions)
        f.send(
            .server, flags: PacketBuilder.Flag.syn | PacketBuilder.Flag.ack, seq: 5000, ack: 1001,
            options: FlowScript.synOptions)
        closeFourWay(&f)
        return f.bytes
    }

    /// Client ISN 4294967290 (2^32 − 6), server ISN 4294967000: 10 bytes from the client cross 2^32; a
    /// four-way close follows. Client FIN seq = 4294967291 + 10 = 5 (mod 2^32), acknowledged with 6.
    static func sequenceWrap() -> [UInt8] {
        var f = FlowScript(clientISN: 4_294_967_290, serverISN: 4_294_967_000)
        f.handshake()
        f.data(.client, 10)
        f.ack(.server)
        f.data(.server, 400)
        f.ack(.client)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake, four-way close (client TIME_WAIT at frame 7), then 8: a RST from the server 1 s later.
    static func rstInTimeWait() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        closeFourWay(&f)
        // 100 ms after the close: inside the connection's linger (0.3 s + 4 round trips), so it is analysed
        // with it in every mode (a later one is a late segment, counted in the summary).
        f.rst(.server, withAck: false, after: 100_000_000)
        return f.bytes
    }

    /// Connection 1: handshake + data + close (client TIME_WAIT at frame 9, final client seq 1102). 5 s later
    /// a new SYN on the same 4-tuple with ISN 500, below the old final sequence: not acceptable reuse.
    static func reuseLowerISN() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        closeFourWay(&f)
        f.clientNext = 500
        f.serverNext = 70000
        f.time += 5_000_000_000
        f.handshake()
        closeFourWay(&f)
        return f.bytes
    }

    /// Connection 1 (frames 1-9): client ISN 1000 sends 100 bytes (sequence 1001-1100) and closes first, so
    /// the client holds TIME_WAIT from frame 9. 2 s later the client reuses the 4-tuple with ISN 300000
    /// (frames 10-12). Frame 13 is a delayed copy of connection 1's data segment (seq 1001, ack 5001): its
    /// sequence number lies in the old incarnation's space 1000-1102. Frames 14-17 close connection 2.
    static func oldIncarnationSegment() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        closeFourWay(&f)
        f.clientNext = 300_000
        f.serverNext = 900_000
        f.time += 2_000_000_000
        f.handshake()
        f.send(.client, flags: PacketBuilder.Flag.ack | PacketBuilder.Flag.psh, payload: 100, seq: 1001, ack: 5001)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake (1-3, RTT 2 ms), 4 client data 1001-1100, 5 server ACK 1101, 6 the same data again 1 ms
    /// later: already acknowledged, so the resend was spurious; close 7-10.
    static func spuriousRetransmission() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.data(.client, 100, seq: 1001)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake (1-3, RTT 2 ms), 4 data 1001-1100, 5 data 1201-1300 (a 100-byte hole: lost-segment), 6 data
    /// 1101-1200 100 µs later, within one RTT and before any duplicate ACK: out of order; 7 server ACK 1301;
    /// close 8-11.
    static func outOfOrder() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.data(.client, 100, seq: 1201)
        f.step = 100_000
        f.data(.client, 100, seq: 1101)
        f.step = 1_000_000
        f.ack(.server)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake (1-3), 4 client data 1001-1100, 5 server ACK 1501: 400 bytes the capture never saw; then the
    /// client's next data starts at 1501 (6), server ACK (7), close 8-11.
    static func ackUnseenSegment() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server, ack: 1501)
        f.clientNext = 1501
        f.data(.client, 100)
        f.ack(.server)
        closeFourWay(&f)
        return f.bytes
    }

    /// Handshake (1-3; window scale 7 on both SYNs), 4 server ACK 1001 window 100 (×128 = right edge 13801),
    /// 5 server ACK 1001 window 50 (right edge 7401): the right edge moved left; close 6-9.
    static func windowShrunk() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 100)
        f.send(.server, flags: PacketBuilder.Flag.ack, window: 50)
        closeFourWay(&f)
        return f.bytes
    }

    /// 1 SYN ISN 1000, 2 SYN again 1 s later with ISN 2000 while unanswered, 3 SYN-ACK for 2001, 4 ACK, close.
    static func synNewISN() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.clientNext = 2000
        f.syn(after: 1_000_000_000)
        f.synAck()
        f.ack()
        closeFourWay(&f)
        return f.bytes
    }

    /// Nothing answers: SYN at 0 s, then the same SYN at 1 s and 3 s (Linux's backoff); no SYN-ACK, no RST.
    static func synUnanswered() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.syn(seq: 1000, after: 999_000_000)
        f.syn(seq: 1000, after: 1_999_000_000)
        return f.bytes
    }

    /// 1 SYN carrying 16 bytes (TFO-style), 2 SYN-ACK acknowledging 1017, 3 ACK, close.
    static func synWithData() -> [UInt8] {
        var f = FlowScript()
        f.send(.client, flags: PacketBuilder.Flag.syn, payload: 16, options: FlowScript.synOptions)
        f.clientNext = 1017
        f.synAck(ack: 1001)
        f.ack()
        closeFourWay(&f)
        return f.bytes
    }

    /// Frames of a short IPv4 conversation (handshake, 5 bytes each way, four-way close) as IP packets.
    static func ipPackets(client: String = "10.0.0.1", server: String = "10.0.0.2") -> [[UInt8]] {
        var f = FlowScript(client: client, server: server, link: .raw)
        f.handshake()
        f.data(.client, 5)
        f.data(.server, 5)
        closeFourWay(&f)
        return RecordSplitter.records(f.bytes)
    }

    /// DLT_NULL from a little-endian host: family 2 (IPv4); 9 packets.
    static func loopbackNull() -> [UInt8] {
        var w = PcapWriter(linkType: PcapWriter.Link.null)
        for (i, p) in ipPackets().enumerated() {
            w.append(PacketBuilder.null(p, family: 2), at: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000)
        }
        return w.bytes
    }

    /// DLT_LOOP (network byte order family); IPv6 family 30 (Darwin); 9 packets.
    static func loopbackLoop() -> [UInt8] {
        var w = PcapWriter(linkType: PcapWriter.Link.loop)
        for (i, p) in ipPackets(client: "fd00::1", server: "fd00::2").enumerated() {
            w.append(
                PacketBuilder.null(p, family: 30, bigEndian: true),
                at: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000)
        }
        return w.bytes
    }

    /// LINKTYPE_RAW (101): 9 IPv4 packets.
    static func rawIP() -> [UInt8] {
        var f = FlowScript(link: .raw)
        f.handshake()
        f.data(.client, 5)
        f.data(.server, 5)
        closeFourWay(&f)
        return f.bytes
    }

    /// LINKTYPE_IPV4 (228): the same 9 packets.
    static func ipv4LinkType() -> [UInt8] {
        var w = PcapWriter(linkType: PcapWriter.Link.ipv4)
        for (i, p) in ipPackets().enumerated() { w.append(p, at: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000) }
        return w.bytes
    }

    /// LINKTYPE_IPV6 (229): a connection fd00::1:40000 → fd00::2:80 where every packet carries hop-by-hop,
    /// destination options, routing and an atomic fragment header (offset 0, M=0) before TCP. The client's
    /// data segment (frame 4, 100 bytes) has them all; a three-way close follows (frames 6-8); 8 packets.
    static func ipv6ExtensionHeaders() -> [UInt8] {
        var f = FlowScript(
            client: "fd00::1", server: "fd00::2", link: .wrapped(linkType: PcapWriter.Link.ipv6, wrap: { ip, _ in ip }))
        f.ipv6ExtensionHeaders = [
            (0, [1, 4, 0, 0, 0, 0]), (60, [1, 4, 0, 0, 0, 0]),
            (43, [0, 0, 0, 0, 0, 0]), (44, [0, 0, 0, 0, 0, 0]),
        ]
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.fin(.client)
        f.fin(.server)
        f.ack(.client)
        return f.bytes
    }

    /// Ethernet, IPv4 with 8 bytes of IP options on every packet; frame 4 is a 5-byte segment padded to 60
    /// bytes (padding is not payload); frame 5 is the first fragment of a 1200-byte client segment (M=1,
    /// offset 0), frame 6 its second fragment (offset 1480/8... here 1000/8 = 125); frame 7 is a UDP packet;
    /// frames 8-11 a four-way close. Total: 11 packets, 10 TCP (the non-first fragment is skipped), 1 UDP.
    static func ipv4OptionsAndFragments() -> [UInt8] {
        var w = PcapWriter(linkType: PcapWriter.Link.ethernet)
        var t: Int64 = 1_700_000_000_000_000_000
        let ipOptions: [UInt8] = [0x94, 4, 0, 0, 1, 1, 1, 0]  // Router Alert + NOPs/EOL
        func emit(
            _ tcp: [UInt8], fromClient: Bool, id: UInt16 = 1, more: Bool = false, offset: UInt16 = 0,
            total: UInt16? = nil
        ) {
            let ip = PacketBuilder.ipv4(
                source: fromClient ? "10.0.0.1" : "10.0.0.2",
                destination: fromClient ? "10.0.0.2" : "10.0.0.1", payload: tcp,
                options: ipOptions, identification: id, moreFragments: more,
                fragmentOffset: offset, totalLengthOverride: total)
            w.append(PacketBuilder.ethernet(ip, etherType: 0x0800), at: t)
            t += 1_000_000
        }
        typealias F = PacketBuilder.Flag
        emit(
            PacketBuilder.tcp(sourcePort: 40000, destinationPort: 80, seq: 1000, ack: 0, flags: F.syn), fromClient: true
        )
        emit(
            PacketBuilder.tcp(sourcePort: 80, destinationPort: 40000, seq: 5000, ack: 1001, flags: F.syn | F.ack),
            fromClient: false)
        emit(
            PacketBuilder.tcp(sourcePort: 40000, destinationPort: 80, seq: 1001, ack: 5001, flags: F.ack),
            fromClient: true)
        emit(
            PacketBuilder.tcp(
                sourcePort: 40000, destinationPort: 80, seq: 1001, ack: 5001, flags: F.ack | F.psh,
                payload: Array(repeating: 0x62, count: 5)), fromClient: true)
        // A 1200-byte segment split in two fragments: 20 TCP + 980 payload bytes, then 220 payload bytes.
        let whole = PacketBuilder.tcp(
            sourcePort: 40000, destinationPort: 80, seq: 1006, ack: 5001, flags: F.ack,
            payload: Array(repeating: 0x63, count: 1200))
        emit(Array(whole[0..<1000]), fromClient: true, id: 7, more: true)
        emit(Array(whole[1000...]), fromClient: true, id: 7, offset: 125)
        let udp: [UInt8] =
            PacketBuilder.be16(5353) + PacketBuilder.be16(5353) + PacketBuilder.be16(12) + [0, 0, 1, 2, 3, 4]
        let udpIP = PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: udp, protocolNumber: 17)
        w.append(PacketBuilder.ethernet(udpIP, etherType: 0x0800), at: t)
        t += 1_000_000
        emit(
            PacketBuilder.tcp(sourcePort: 40000, destinationPort: 80, seq: 2206, ack: 5001, flags: F.fin | F.ack),
            fromClient: true)
        emit(
            PacketBuilder.tcp(sourcePort: 80, destinationPort: 40000, seq: 5001, ack: 2207, flags: F.ack),
            fromClient: false)
        emit(
            PacketBuilder.tcp(sourcePort: 80, destinationPort: 40000, seq: 5001, ack: 2207, flags: F.fin | F.ack),
            fromClient: false)
        emit(
            PacketBuilder.tcp(sourcePort: 40000, destinationPort: 80, seq: 2207, ack: 5002, flags: F.ack),
            fromClient: true)
        return w.bytes
    }

    /// A big-endian pcap with nanosecond timestamps (magic a1b23c4d written big-endian): handshake at
    /// .000000001, .000000002, .000000003 s after 1700000000, then a four-way close; 7 packets.
    static func bigEndianNano() -> [UInt8] {
        var f = FlowScript(writer: PcapWriter(linkType: PcapWriter.Link.ethernet, nanosecond: true, byteOrder: .big))
        f.time = 1_700_000_000_000_000_001
        f.step = 1
        f.handshake()
        closeFourWay(&f)
        return f.bytes
    }

    // MARK: RST acceptability (RFC 9293 3.5 and 3.10.7, RFC 5961 3)

    /// RFC 9293 figure 8: 1 SYN (ISN 1000); 2 the server's SYN-ACK seq 9000 ack 91, the answer to an old
    /// duplicate SYN (ISN 90) the capture did not see; 3 the client's RST seq 91 (its SEG.ACK), which sends the
    /// server back to LISTEN; 4 the SYN again 1 s later; 5 SYN-ACK seq 5000 ack 1001; 6 ACK; 7-10 four-way
    /// close. One connection, complete.
    static func staleSynAck() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.serverNext = 9000
        f.synAck(ack: 91)
        f.rst(.client, withAck: false, seq: 91)
        f.syn(seq: 1000, after: 1_000_000_000)
        f.serverNext = 5000
        f.synAck()
        f.ack()
        closeFourWay(&f)
        return f.bytes
    }

    /// RFC 9293 figure 9: connection 1 (frames 1-5: handshake, 100 bytes from the client, the server's ACK
    /// 1101) is left open when the client host restarts. 100 s later: 6 a SYN from the same port (ISN 70000),
    /// a new connection; 7 the server, still holding connection 1, answers with an ACK seq 5001 ack 1101;
    /// 8 the client's RST seq 1101 aborts that half-open connection; 9 the SYN again 1 s later; 10 SYN-ACK
    /// seq 8000 ack 70001; 11 ACK; 12-15 four-way close.
    static func halfOpenPeer() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.clientNext = 70000
        f.syn(after: 100_000_000_000)
        f.ack(.server, ack: 1101)
        f.rst(.client, withAck: false, seq: 1101)
        f.syn(seq: 70000, after: 1_000_000_000)
        f.serverNext = 8000
        f.synAck()
        f.ack()
        closeFourWay(&f)
        return f.bytes
    }

    /// 1 SYN (ISN 1000); 2 a RST seq 0 without the ACK bit from the server's address: in SYN_SENT only a RST
    /// that acknowledges the SYN is acceptable (RFC 9293 3.10.7.3), so the client ignores it; 3 SYN-ACK 1 ms
    /// later; 4 ACK; 5-8 four-way close.
    static func rstUnacceptableInSynSent() -> [UInt8] {
        var f = FlowScript()
        f.syn()
        f.rst(.server, withAck: false, seq: 0)
        f.synAck()
        f.ack()
        closeFourWay(&f)
        return f.bytes
    }

    /// Window scale 7 on both SYNs. 1-3 handshake; 4 client data 1001-1100; 5 server ACK 1101 (window 65535 <<
    /// 7); 6 a client RST at 1151, inside the server's window but not at its RCV.NXT 1101; 7 the server's
    /// challenge ACK (ack 1101, RFC 5961 3.2); 8 a client RST at 1101, exact: it resets.
    static func rstChallengeAck() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.rst(.client, withAck: false, seq: 1151)
        f.ack(.server, ack: 1101)
        f.rst(.client, withAck: false, seq: 1101)
        return f.bytes
    }

    /// 1-3 handshake; 4 server data 5001-5200; 5 client ACK 5201; 6 a RST from the server's address at 4000,
    /// behind the client's RCV.NXT 5201: outside the window, ignored (RFC 5961 3.2); 7-10 four-way close.
    static func rstOutsideWindow() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.server, 200)
        f.ack(.client)
        f.rst(.server, withAck: false, seq: 4000)
        closeFourWay(&f)
        return f.bytes
    }

    /// 1-3 handshake; 4 client data 1001-1100; 5 server ACK 1101; 6 a RST,ACK from the server's address at
    /// its next sequence number 5001 (exact: it resets) but with IP TTL 50 where the server's other segments
    /// came with 64: the mark of a reset injected on the path.
    static func rstForgedTTL() -> [UInt8] {
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        f.ttl = 50
        f.rst(.server)
        return f.bytes
    }

    // MARK: Capture layouts

    /// A pcapng file with three interfaces, as Wireshark writes when it captures on three: 0 Ethernet
    /// (microsecond timestamps), 1 LINKTYPE_RAW 101 (nanoseconds), 2 Linux cooked v2 with a 96-byte snapshot
    /// length, millisecond timestamps and a 10 s `if_tsoffset`. On each, one connection 10.0.0.1 → 10.0.0.2:80
    /// (client ports 40000, 40001, 40002; handshake, 100 bytes and their ACK, four-way close: 9 packets),
    /// starting at 0, 0.3 ms and 2 ms, packets 1 ms apart, interleaved in time (27 packets); a custom block
    /// (skipped by readers) after the fifth.
    static func threeInterfaces() -> [UInt8] {
        var w = PcapngWriter()
        w.section()
        w.interface(linkType: 1)
        w.interface(linkType: 101, resolution: 9)
        w.interface(linkType: 276, snapLength: 96, resolution: 3, offsetSeconds: 10)
        var all: [(interface: Int, packet: [UInt8], time: Int64)] = []
        let links: [(UInt16, FlowScript.Link, Int64)] = [
            (40000, .ethernet, 0), (40001, .raw, 300_000), (40002, .sll2, 2_000_000),
        ]
        for (i, (port, link, start)) in links.enumerated() {
            let f = connection(link, clientPort: port, offset: start)
            for (packet, time) in PcapWriter.records(f.bytes) { all.append((i, packet, time)) }
        }
        all.sort { ($0.time, $0.interface) < ($1.time, $1.interface) }
        for (n, p) in all.enumerated() {
            if n == 5 { w.unknownBlock() }
            w.enhanced(p.packet, interface: p.interface, at: p.time)
        }
        return w.bytes
    }

    /// The textbook scenario (handshake, four-way close, 10 ms apart) as a Solaris snoop file (RFC 1761:
    /// version 2, datalink 4, Ethernet; microsecond timestamps; records padded to 4 bytes).
    static func textbookSnoop() -> [UInt8] {
        var out = Array("snoop".utf8) + [0, 0, 0] + be32(2) + be32(4)
        for (packet, time) in PcapWriter.records(textbook()) {
            let length = 24 + (packet.count + 3) / 4 * 4
            out += be32(UInt32(packet.count)) + be32(UInt32(packet.count)) + be32(UInt32(length)) + be32(0)
            out += be32(UInt32(time / 1_000_000_000)) + be32(UInt32(time % 1_000_000_000 / 1000))
            out += packet + [UInt8](repeating: 0, count: length - 24 - packet.count)
        }
        return out
    }

    private static func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }

    // MARK: Link-level encapsulations

    /// One connection (handshake, 100 bytes and their ACK, four-way close: 9 packets) from `clientPort`,
    /// framed by `link`, starting `offset` ns after the usual start, packets 1 ms apart.
    public static func connection(
        _ link: FlowScript.Link, clientPort: UInt16 = 40000, offset: Int64 = 0
    ) -> FlowScript {
        var f = FlowScript(clientPort: clientPort, start: 1_700_000_000_000_000_000 + offset, link: link)
        f.handshake()
        f.data(.client, 100)
        f.ack(.server)
        closeFourWay(&f)
        return f
    }

    /// An MPLS label (RFC 3032): 20-bit label, traffic class 0, bottom-of-stack bit, TTL 64.
    public static func mplsLabel(_ label: UInt32, bottom: Bool) -> [UInt8] {
        let word = label << 12 | (bottom ? 1 << 8 : 0) | 64
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) }
    }

    /// An inner Ethernet header (customer or pseudowire frame) for IPv4.
    static let innerEthernet: [UInt8] = [0x02, 0, 0, 0, 0, 0x0A, 0x02, 0, 0, 0, 0, 0x0B, 0x08, 0x00]

    /// Five connections on one Ethernet link, each in another encapsulation, client ports 40001-40005,
    /// started 0.2 ms apart and interleaved: 40001 MPLS (two labels, then IPv4); 40002 an MPLS Ethernet
    /// pseudowire with a control word (RFC 4448); 40003 a PPPoE session (RFC 2516) carrying PPP; 40004 IEEE
    /// 802.1ah PBB (an I-tag and the customer frame); 40005 a Cisco VN-Tag. 45 packets.
    static func encapsulationsEthernet() -> [UInt8] {
        let wraps: [@Sendable ([UInt8], Bool) -> [UInt8]] = [
            { ip, _ in
                PacketBuilder.ethernet(
                    mplsLabel(100, bottom: false) + mplsLabel(200, bottom: true) + ip, etherType: 0x8847)
            },
            { ip, _ in
                PacketBuilder.ethernet(
                    mplsLabel(300, bottom: true) + [0, 0, 0, 0] + innerEthernet + ip, etherType: 0x8847)
            },
            { ip, _ in
                let length = UInt16(ip.count + 2)
                return PacketBuilder.ethernet(
                    [0x11, 0x00, 0x12, 0x34] + PacketBuilder.be16(length) + [0x00, 0x21] + ip, etherType: 0x8864)
            },
            { ip, _ in PacketBuilder.ethernet([0, 0, 0, 1] + innerEthernet + ip, etherType: 0x88E7) },
            { ip, _ in PacketBuilder.ethernet([0x80, 0x01, 0x00, 0x02, 0x08, 0x00] + ip, etherType: 0x8926) },
        ]
        var all: [([UInt8], Int64, Int)] = []
        for (i, wrap) in wraps.enumerated() {
            let f = connection(
                .wrapped(linkType: PcapWriter.Link.ethernet, wrap: wrap), clientPort: UInt16(40001 + i),
                offset: Int64(i) * 200_000)
            all += PcapWriter.records(f.bytes).map { ($0.0, $0.1, i) }
        }
        all.sort { ($0.1, $0.2) < ($1.1, $1.2) }
        var writer = PcapWriter(linkType: PcapWriter.Link.ethernet)
        for (frame, time, _) in all { writer.append(frame, at: time) }
        return writer.bytes
    }

    /// One connection on a PPP link (DLT_PPP 9): address and control (0xFF 0x03), protocol 0x0021, IPv4.
    static func pppLink() -> [UInt8] {
        connection(.wrapped(linkType: 9, wrap: { ip, _ in [0xFF, 0x03, 0x00, 0x21] + ip })).bytes
    }

    /// One connection on a PPP link in HDLC-like framing (LINKTYPE_PPP_HDLC 50, DLT_PPP_SERIAL; RFC 1662):
    /// address 0xFF, control 0x03, protocol 0x0021 (IPv4).
    static func pppSerialLink() -> [UInt8] {
        connection(.wrapped(linkType: 50, wrap: { ip, _ in [0xFF, 0x03, 0x00, 0x21] + ip })).bytes
    }

    /// One connection on a PPPoE link without its Ethernet header (LINKTYPE_PPP_ETHER 51; RFC 2516): version
    /// and type 0x11, code 0 (session data), session 0x0042, the PPP length, then PPP protocol 0x0021 (IPv4).
    static func pppEtherLink() -> [UInt8] {
        connection(
            .wrapped(
                linkType: 51,
                wrap: { ip, _ in
                    [0x11, 0x00, 0x00, 0x42] + PacketBuilder.be16(UInt16(ip.count + 2)) + [0x00, 0x21] + ip
                })
        ).bytes
    }

    /// The scenarios' connection in a pcapng file whose first packet is an Enhanced Packet Block and the other
    /// eight Simple Packet Blocks, which carry no timestamp: each takes the previous packet's (docs/inputs.md).
    static func simplePackets() -> [UInt8] {
        var w = PcapngWriter()
        w.section()
        w.interface(linkType: 1)
        for (n, (packet, time)) in PcapWriter.records(connection(.ethernet).bytes).enumerated() {
            if n == 0 { w.enhanced(packet, interface: 0, at: time) } else { w.simple(packet) }
        }
        return w.bytes
    }

    /// One connection on a Cisco HDLC link (DLT_C_HDLC 104): address 0x0F, control 0, EtherType 0x0800.
    static func ciscoHDLCLink() -> [UInt8] {
        connection(.wrapped(linkType: 104, wrap: { ip, _ in [0x0F, 0x00, 0x08, 0x00] + ip })).bytes
    }

    /// One connection over 802.11 (DLT_IEEE802_11 105) as QoS data frames with four addresses (to and from
    /// the distribution system: a 32-byte MAC header), LLC/SNAP, IPv4; then one protected (encrypted) data
    /// frame, which is not TCP to the decoder. 10 packets.
    static func ieee80211Link() -> [UInt8] {
        let header: [UInt8] =
            [0x88, 0x03, 0, 0] + [UInt8](repeating: 0x02, count: 18) + [0, 0] + [UInt8](repeating: 0x02, count: 6) + [
                0, 0,
            ]
        let snap: [UInt8] = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00]
        var f = connection(.wrapped(linkType: 105, wrap: { ip, _ in header + snap + ip }))
        var encrypted = header
        encrypted[1] |= 0x40
        f.writer.append(encrypted + [UInt8](repeating: 0x5A, count: 60), at: f.time)
        return f.bytes
    }

    /// One connection over 802.11 behind an 8-byte radiotap header (DLT_IEEE802_11_RADIO 127): plain data
    /// frames to the distribution system (a 24-byte MAC header), LLC/SNAP, IPv4.
    static func radiotapLink() -> [UInt8] {
        let header: [UInt8] = [0x08, 0x01, 0, 0] + [UInt8](repeating: 0x02, count: 18) + [0, 0]
        let snap: [UInt8] = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00]
        return connection(.wrapped(linkType: 127, wrap: { ip, _ in [0, 0, 8, 0, 0, 0, 0, 0] + header + snap + ip }))
            .bytes
    }
}
