import PcapSynth
import Testing

@testable import TCPTrace

@Suite struct DecoderTests {
    typealias F = PacketBuilder.Flag
    typealias O = PacketBuilder.Option

    let tcp = PacketBuilder.tcp(
        sourcePort: 40000, destinationPort: 80, seq: 1000, ack: 2000, flags: F.ack | F.psh,
        window: 512, payload: Array(repeating: 1, count: 7))
    var ip4: [UInt8] { PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: tcp) }
    var ip6: [UInt8] { PacketBuilder.ipv6(source: "fd00::1", destination: "fd00::2", payload: tcp) }

    func expectBasics(_ s: Segment?, v6: Bool = false) {
        guard let s else { return }
        #expect(s.source == IPAddress(v6 ? "fd00::1" : "10.0.0.1")!)
        #expect(s.destination == IPAddress(v6 ? "fd00::2" : "10.0.0.2")!)
        #expect(s.sourcePort == 40000 && s.destinationPort == 80)
        #expect(s.sequence.rawValue == 1000 && s.acknowledgment.rawValue == 2000)
        #expect(s.flags == [.ack, .psh])
        #expect(s.window == 512)
        #expect(s.payloadLength == 7)
    }

    @Test func ethernetIPv4() {
        expectBasics(segment(decode(PacketBuilder.ethernet(ip4, etherType: 0x0800), .ethernet)))
    }

    @Test func ethernetPaddingIsNotPayload() {
        // A 0-byte ACK: 14 + 20 + 20 = 54 bytes, padded to 60 by the Ethernet minimum.
        let ack = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, seq: 1, ack: 1, flags: F.ack)
        let frame = PacketBuilder.ethernet(
            PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: ack),
            etherType: 0x0800)
        #expect(frame.count == 60)
        #expect(segment(decode(frame, .ethernet))?.payloadLength == 0)
    }

    @Test func vlanAndQinQ() {
        let one = PacketBuilder.ethernet(ip4, etherType: 0x0800, vlanTags: [(0x8100, 100)])
        expectBasics(segment(decode(one, .ethernet)))
        let two = PacketBuilder.ethernet(ip6, etherType: 0x86DD, vlanTags: [(0x88A8, 200), (0x8100, 100)])
        expectBasics(segment(decode(two, .ethernet)), v6: true)
        // A tag cut in half is a truncation, not a crash.
        guard case .truncated(let p) = decode(Array(two.prefix(16)), .ethernet) else {
            Issue.record("expected truncated"); return
        }
        #expect(p.layer == .link)
    }

    @Test func linuxCookedV1AndV2() {
        expectBasics(segment(decode(PacketBuilder.sll(ip4, protocolType: 0x0800), .linuxSLL)))
        expectBasics(segment(decode(PacketBuilder.sll2(ip6, protocolType: 0x86DD), .linuxSLL2)), v6: true)
    }

    @Test func bsdLoopbackBothByteOrders() {
        expectBasics(segment(decode(PacketBuilder.null(ip4, family: 2), .null)))
        expectBasics(segment(decode(PacketBuilder.null(ip4, family: 2, bigEndian: true), .null)))
        expectBasics(segment(decode(PacketBuilder.null(ip6, family: 28), .null)), v6: true)
        expectBasics(segment(decode(PacketBuilder.null(ip6, family: 30, bigEndian: true), .loop)), v6: true)
        // An unknown family (e.g. 7 = AF_OSI... not IP) is not TCP.
        guard case .notTCP = decode(PacketBuilder.null(ip4, family: 7), .null) else {
            Issue.record("not notTCP"); return
        }
    }

    @Test func rawIPv4AndIPv6LinkTypes() {
        expectBasics(segment(decode(ip4, .raw)))
        expectBasics(segment(decode(ip6, .raw)), v6: true)
        expectBasics(segment(decode(ip4, .ipv4)))
        expectBasics(segment(decode(ip6, .ipv6)), v6: true)
        guard case .malformed = decode([0x50] + Array(ip4.dropFirst()), .raw) else { Issue.record("version 5"); return }
    }

    @Test func ipv4OptionsAreSkippedUsingIHL() {
        let withOptions = PacketBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", payload: tcp,
            options: [0x94, 4, 0, 0, 1, 1, 1, 0])
        #expect(withOptions[0] == 0x47)  // IHL 7 = 28 bytes
        expectBasics(segment(decode(withOptions, .raw)))
    }

    @Test func ipv4LengthChecks() {
        var badIHL = ip4
        badIHL[0] = 0x44  // IHL 4 words = 16 bytes < 20
        guard case .malformed(let p) = decode(badIHL, .raw) else { Issue.record("IHL 4"); return }
        #expect(p.layer == .ipv4)
        var shortTotal = ip4
        shortTotal[2] = 0; shortTotal[3] = 10  // total length 10 < header
        guard case .malformed = decode(shortTotal, .raw) else { Issue.record("total length"); return }
        guard case .truncated = decode(Array(ip4.prefix(19)), .raw) else { Issue.record("cut IPv4"); return }
    }

    @Test func ipv4Fragments() {
        let first = PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: tcp, moreFragments: true)
        #expect(segment(decode(first, .raw))?.isFirstFragment == true)
        let later = PacketBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", payload: [1, 2, 3, 4, 5, 6, 7, 8],
            fragmentOffset: 185)
        guard case .fragment = decode(later, .raw) else { Issue.record("non-first fragment"); return }
    }

    @Test func ipv6ExtensionHeaderChain() {
        let chain: [(type: UInt8, body: [UInt8])] = [
            (0, [1, 4, 0, 0, 0, 0]), (43, [0, 0, 0, 0, 0, 0]),
            (60, [1, 12] + Array(repeating: 0, count: 12)),
            (44, [0, 0, 0, 0, 0, 9]),
        ]
        let packet = PacketBuilder.ipv6(
            source: "fd00::1", destination: "fd00::2", payload: tcp, extensionHeaders: chain)
        // 40 fixed + 8 + 8 + 16 + 8 = 80 bytes before TCP.
        #expect(packet.count == 80 + tcp.count)
        expectBasics(segment(decode(packet, .ipv6)), v6: true)
        let laterFragment = PacketBuilder.ipv6(
            source: "fd00::1", destination: "fd00::2", payload: [1, 2, 3, 4],
            extensionHeaders: [(44, [0, 0x10, 0, 0, 0, 9])])
        guard case .fragment = decode(laterFragment, .ipv6) else { Issue.record("non-first IPv6 fragment"); return }
        let udp = PacketBuilder.ipv6(
            source: "fd00::1", destination: "fd00::2", payload: [0, 0, 0, 0, 0, 8, 0, 0],
            nextHeader: 17)
        guard case .notTCP = decode(udp, .ipv6) else { Issue.record("UDP"); return }
    }

    @Test func tcpOptions() {
        let options = O.mss(1460) + O.sackPermitted + O.timestamps(111, 222) + O.nop + O.windowScale(7)
        let syn = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, seq: 9, ack: 0, flags: F.syn, options: options)
        guard
            let s = segment(
                decode(
                    PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: syn),
                    .ipv4))
        else { return }
        #expect(s.options.mss == 1460)
        #expect(s.options.sackPermitted)
        #expect(s.options.timestampValue == 111 && s.options.timestampEcho == 222)
        #expect(s.options.windowScale == 7)
        #expect(s.headerLength == 40)
        let sack = PacketBuilder.tcp(
            sourcePort: 1, destinationPort: 2, seq: 9, ack: 100, flags: F.ack,
            options: O.nop + O.nop + O.sack([(200, 300), (400, 500)]))
        guard
            let t = segment(
                decode(PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: sack), .ipv4))
        else { return }
        #expect(t.options.sack.count == 2)
        #expect(t.options.sack[1].left.rawValue == 400 && t.options.sack[1].right.rawValue == 500)
    }

    @Test func badOptionLengthStopsParsing() {
        // Option kind 2 with length 0 would loop forever if trusted.
        let bad = PacketBuilder.tcp(
            sourcePort: 1, destinationPort: 2, seq: 9, ack: 0, flags: F.syn,
            options: [2, 0, 0, 0])
        let s = segment(decode(PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: bad), .ipv4))
        #expect(s?.options.malformed == true)
        #expect(s?.options.mss == nil)
    }

    @Test func dataOffsetChecks() {
        let small = PacketBuilder.tcp(
            sourcePort: 1, destinationPort: 2, seq: 9, ack: 0, flags: F.syn,
            dataOffsetOverride: 4)
        guard
            case .malformed(let p) = decode(
                PacketBuilder.ipv4(
                    source: "10.0.0.1", destination: "10.0.0.2",
                    payload: small), .ipv4)
        else {
            Issue.record("data offset 4"); return
        }
        #expect(p.layer == .tcp)
        let long = PacketBuilder.tcp(
            sourcePort: 1, destinationPort: 2, seq: 9, ack: 0, flags: F.syn,
            dataOffsetOverride: 15)
        guard
            case .malformed = decode(
                PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: long),
                .ipv4)
        else { Issue.record("data offset past the IP payload"); return }
    }

    @Test func snapLengthCuts() {
        let options = O.mss(1460) + O.sackPermitted + O.timestamps(1, 2) + O.nop + O.windowScale(7)
        let syn = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, seq: 9, ack: 0, flags: F.syn, options: options)
        let frame = PacketBuilder.ethernet(
            PacketBuilder.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: syn),
            etherType: 0x0800)
        // 14 + 20 + 40: cut at 60 keeps the fixed TCP header and 6 option bytes.
        let cut = segment(decode(Array(frame.prefix(60)), .ethernet))
        #expect(cut?.optionsTruncated == true)
        #expect(cut?.flags == [.syn])
        #expect(cut?.options.mss == 1460)
        #expect(cut?.options.windowScale == nil)
        // Cut inside the fixed header: the flags are not there, so the segment is not trusted.
        guard case .truncated(let p) = decode(Array(frame.prefix(44)), .ethernet) else {
            Issue.record("expected truncated"); return
        }
        #expect(p.layer == .tcp && p.needed == 20 && p.available == 10)
    }

    @Test func nonIPEthertypeIsNotTCP() {
        guard case .notTCP = decode(PacketBuilder.ethernet([0, 1, 8, 0, 6, 4, 0, 1], etherType: 0x0806), .ethernet)
        else { Issue.record("ARP"); return }
        guard case .truncated = decode([1, 2, 3], .ethernet) else { Issue.record("runt"); return }
    }

    @Test func addressText() {
        #expect(IPAddress("fd00::1")!.description == "fd00::1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")!.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::")!.description == "::")
        #expect(IPAddress("10.0.0.255")!.description == "10.0.0.255")
        // RFC 5952: one zero word is not compressed (4.2.2), the longest run is (4.2.3), lower-case hex
        // without leading zeros (4.1, 4.3); the longest text has 39 characters.
        #expect(IPAddress("2001:db8:0:1:1:1:1:1")!.description == "2001:db8:0:1:1:1:1:1")
        #expect(IPAddress("2001:0:0:1:0:0:0:1")!.description == "2001:0:0:1::1")
        #expect(IPAddress("2001:DB8::0ABC")!.description == "2001:db8::abc")
        #expect(IPAddress("1::")!.description == "1::")
        #expect(IPAddress("::1")!.description == "::1")
        #expect(
            IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!.description
                == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(IPAddress("0.0.0.0")!.description == "0.0.0.0")
        #expect(IPAddress("255.255.255.255")!.description == "255.255.255.255")
        #expect(IPAddress("1.20.100.9")!.description == "1.20.100.9")
        #expect(IPAddress("10.0.0.256") == nil)
    }
}

@Suite struct SourceRouteTests {
    @Test func looseSourceRouteGivesTheFinalDestination() {
        let tcp = PacketBuilder.tcp(sourcePort: 20, destinationPort: 80, seq: 1, ack: 0, flags: PacketBuilder.Flag.syn)
        // LSRR (131), length 11, pointer 4, route 5.6.7.8 then 8.8.8.8: the header's destination (13.14.15.16)
        // is the next hop, 8.8.8.8 the end of the route.
        let lsrr: [UInt8] = [131, 11, 4, 5, 6, 7, 8, 8, 8, 8, 8, 0]
        let packet = PacketBuilder.ipv4(source: "9.10.11.12", destination: "13.14.15.16", payload: tcp, options: lsrr)
        #expect(segment(decode(packet, .ipv4))?.destination == IPAddress("8.8.8.8"))
        // A record-route option (7) does not change the destination; a bad option length stops the scan.
        let rr: [UInt8] = [7, 7, 4, 1, 2, 3, 4, 0]
        let plain = PacketBuilder.ipv4(source: "9.10.11.12", destination: "13.14.15.16", payload: tcp, options: rr)
        #expect(segment(decode(plain, .ipv4))?.destination == IPAddress("13.14.15.16"))
        let broken = PacketBuilder.ipv4(
            source: "9.10.11.12", destination: "13.14.15.16", payload: tcp,
            options: [131, 1, 0, 0])
        #expect(segment(decode(broken, .ipv4))?.destination == IPAddress("13.14.15.16"))
    }
}
