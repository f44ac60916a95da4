import Testing

@testable import TCPTrace

/// The wire constants against the numbers their registries assign, so a typo in one static member cannot hide
/// behind a decoder test that builds its packets with the same typo.
@Suite struct WireConstantsTests {
    @Test func etherTypesMatchTheIEEERegistry() {
        #expect(EtherType.ipv4.rawValue == 0x0800)
        #expect(EtherType.ipv6.rawValue == 0x86DD)
        #expect(EtherType.vlan.rawValue == 0x8100)
        #expect(EtherType.serviceVLAN.rawValue == 0x88A8)
        #expect(EtherType.legacyQinQ.rawValue == 0x9100)
        let tags: [EtherType] = [.vlan, .serviceVLAN, .legacyQinQ]
        let allAreTags = tags.allSatisfy(\.isVLANTag)
        #expect(allAreTags)
        #expect(!EtherType.ipv4.isVLANTag && !EtherType.ipv6.isVLANTag)
    }

    @Test func ipProtocolAndExtensionHeadersMatchIANA() {
        #expect(IPProtocol.tcp.rawValue == 6)
        #expect(IPv6ExtensionHeader.hopByHop.rawValue == 0)
        #expect(IPv6ExtensionHeader.routing.rawValue == 43)
        #expect(IPv6ExtensionHeader.fragment.rawValue == 44)
        #expect(IPv6ExtensionHeader.encapsulatingSecurityPayload.rawValue == 50)
        #expect(IPv6ExtensionHeader.authentication.rawValue == 51)
        #expect(IPv6ExtensionHeader.destinationOptions.rawValue == 60)
        // One registry for both: no header the decoder follows may share TCP's number, or the walk would stop early.
        let followed: [IPv6ExtensionHeader] = [.hopByHop, .routing, .fragment, .destinationOptions, .authentication]
        let noneIsTCP = followed.allSatisfy { IPProtocol(rawValue: $0.rawValue) != .tcp }
        #expect(noneIsTCP)
    }

    @Test func tcpOptionKindsMatchIANA() {
        #expect(TCPOptionKind.endOfOptionList.rawValue == 0)
        #expect(TCPOptionKind.noOperation.rawValue == 1)
        #expect(TCPOptionKind.maximumSegmentSize.rawValue == 2)
        #expect(TCPOptionKind.windowScale.rawValue == 3)
        #expect(TCPOptionKind.sackPermitted.rawValue == 4)
        #expect(TCPOptionKind.sack.rawValue == 5)
        #expect(TCPOptionKind.timestamps.rawValue == 8)
    }

    @Test func unknownValuesRoundTrip() {
        // ARP, UDP, the Mobility header and MPTCP have no static member here, yet each stays a value.
        let arp = EtherType(rawValue: 0x0806)
        #expect(arp.rawValue == 0x0806 && arp != .ipv4 && !arp.isVLANTag)
        let udp = IPProtocol(rawValue: 17)
        #expect(udp.rawValue == 17 && udp != .tcp)
        let mobility = IPv6ExtensionHeader(rawValue: 135)
        #expect(mobility.rawValue == 135 && IPv6ExtensionHeader(rawValue: mobility.rawValue) == mobility)
        let mptcp = TCPOptionKind(rawValue: 30)
        let known: Set<TCPOptionKind> = [.maximumSegmentSize, .sack, .timestamps]
        #expect(mptcp.rawValue == 30 && !known.contains(mptcp))
        #expect(Set([EtherType(rawValue: 0xFFFF), EtherType(rawValue: 0xFFFF), .ipv6]).count == 2)
    }

    @Test func constantsAreTheSizeOfTheirField() {
        // Each struct is its raw integer and nothing more, so the decoder's compares stay integer compares.
        #expect(MemoryLayout<EtherType>.size == 2)
        #expect(MemoryLayout<IPProtocol>.size == 1)
        #expect(MemoryLayout<IPv6ExtensionHeader>.size == 1)
        #expect(MemoryLayout<TCPOptionKind>.size == 1)
    }
}
