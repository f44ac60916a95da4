import TCPTrace

/// libFuzzer entry: the first byte picks a supported link type, the rest is one packet for the decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let linkType = LinkType.supported[Int(data[0]) % LinkType.supported.count]
    let packet = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if case .tcp(let segment) = PacketDecoder.decode(packet, linkType: linkType) {
        var tracker = Tracker()
        tracker.ingest(segment, frame: 1, time: Timestamp(nanoseconds: 0))
        _ = tracker.finish()
    }
    return 0
}
