import Testing

@testable import TCPTrace

/// What the tracker holds per connection: the streaming analysis holds tens of thousands at once
/// (docs/performance.md: the `many` capture's peak RSS), so a field added, or a layout change that adds
/// padding, shows here first. The bounds were the sizes at the restructure (Connection 1,400 bytes, endpoint
/// 552 bytes on 64-bit Linux); RST acceptability raised them on purpose to 1,448 and 568 (each endpoint's
/// latest ACK, TTL range and SYN retry timing; the evidence a RST waits for is kept out of line, a pointer
/// each), then Zeek's history (the repeated and logarithmic letters' per-direction counts: 66 bytes), the
/// bad-checksum count and the samples dropped at a backward time step to 1,544 and 576; the tunnels' out-of-line
/// pointer, the interfaces and capture duplicates (issue 20: 16 bytes, placed last) to 1,560; issue 21 moved the
/// state transitions (104 bytes per endpoint, instead of an array's reference and its 192-byte heap block) and
/// the Zeek history letters (24 bytes, instead of two arrays and their heap blocks) inline, to 680 and 1,792: a
/// connection with its heap blocks is smaller than before (peak RSS on 50,000 short connections 131.9 MB, was
/// 133.4). Issue 23's clocks (where each direction's time went: time per label, the ledger since the last
/// transmission, the request/response turns, when the peer was last heard: 2 × 232 bytes) and the report band's optional took the connection to
/// 2,264 bytes (peak RSS on the 1M-connection capture 162.7 MB, was 157.2; on 50,000 short connections 148.3 MB,
/// was 130.4). Issue 24's conn.log took them to 688 and 2,296: each endpoint's IP-level bytes (8), Zeek's data
/// start per direction and its LastTime (16): peak RSS on the 200,000-connection `many` capture 91.5 MB, was
/// 90.0, of which 1.2 MB is the larger binary at start-up (BoringSSL, swift-prometheus). Raise them only on
/// purpose, with the memory figure in the commit.
@Suite struct ConnectionLayoutTests {
    @Test func connectionAndEndpointSizes() {
        #expect(MemoryLayout<HalfConnection>.stride <= 688)
        #expect(MemoryLayout<Connection>.stride <= 2_296)
    }
}
