import Testing

@testable import TCPTrace

@Suite struct SequenceNumberTests {
    @Test func comparesAcrossTheWrap() {
        let high = SequenceNumber(4_294_967_290)
        let wrapped = SequenceNumber(5)
        #expect(high < wrapped)  // 5 is 11 after 2^32 - 6
        #expect(!(wrapped < high))
        #expect(high.distance(to: wrapped) == 11)
        #expect(high + 11 == wrapped)
        #expect(wrapped.relative(to: high) == 11)
    }

    @Test func halfSpaceApartIsAfterByConvention() {
        // RFC 1982 leaves 2^31 apart undefined; we only require that it does not trap.
        let a = SequenceNumber(0)
        let b = SequenceNumber(0x8000_0000)
        #expect(a.distance(to: b) == Int32.min)
    }

    @Test func segmentLengthCountsSynAndFin() {
        var s = Segment(
            source: IPAddress(ipv4: 1), destination: IPAddress(ipv4: 2), sourcePort: 1, destinationPort: 2,
            sequence: SequenceNumber(0), acknowledgment: SequenceNumber(0), flags: [.syn], window: 0,
            payloadLength: 0, capturedPayloadLength: 0)
        #expect(s.sequenceLength == 1)
        s.flags = [.fin, .ack]
        s.payloadLength = 10
        #expect(s.sequenceLength == 11)
    }

    @Test func decodedSegmentStaysSmall() {
        // The segment is a plain value, decoded into and unpacked into in place: keep it compact (issue 8
        // depends on it). Issue 20 added the tunnel marks (33 bytes), the tunnel ids, interface, outer source
        // port and capture-duplicate flag (15) and the extra tunnel ports (17).
        #expect(MemoryLayout<Segment>.size <= 225)
    }
}
