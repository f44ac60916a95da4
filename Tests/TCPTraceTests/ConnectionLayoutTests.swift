import Testing

@testable import TCPTrace

/// What the tracker holds per connection: the streaming analysis holds tens of thousands at once
/// (docs/performance.md: the `many` capture's peak RSS), so a field added, or a layout change that adds
/// padding, shows here first. The bounds are the sizes at the restructure (Connection 1,400 bytes, endpoint
/// 552 bytes on 64-bit Linux); raise them only on purpose, with the memory figure in the commit.
@Suite struct ConnectionLayoutTests {
    @Test func connectionAndEndpointSizes() {
        #expect(MemoryLayout<HalfConnection>.stride <= 552)
        #expect(MemoryLayout<Connection>.stride <= 1_400)
    }
}
