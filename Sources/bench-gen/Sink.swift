import Foundation
import PcapSynth

/// Streams pcap records to a file through a 4 MiB buffer.
struct Sink {
    let handle: FileHandle
    var buffer: [UInt8] = []
    var packets = 0

    init(path: String) {
        FileManager.default.createFile(atPath: path, contents: nil)
        handle = FileHandle(forWritingAtPath: path)!
        buffer.reserveCapacity(4 << 20 + 70_000)
        let header = PcapWriter(linkType: PcapWriter.Link.ethernet, snapLength: 262_144, nanosecond: true).bytes
        buffer += header
    }

    mutating func append(_ frame: [UInt8], at t: Int64) {
        func put32(_ v: UInt32) { buffer += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) } }
        put32(UInt32(t / 1_000_000_000)); put32(UInt32(t % 1_000_000_000))
        put32(UInt32(frame.count)); put32(UInt32(frame.count))
        buffer += frame
        packets += 1
        if buffer.count >= 4 << 20 { flush() }
    }

    mutating func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
