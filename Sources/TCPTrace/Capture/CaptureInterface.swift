internal import CPcap
import Foundation

/// A capture device as `pcap_findalldevs` lists it.
public struct CaptureInterface: Sendable {
    public var name: String
    public var description: String?
    public var addresses: [String]
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool

    /// Every capture device libpcap can open.
    public static func all() throws(LiveCaptureError) -> [CaptureInterface] {
        var list: UnsafeMutablePointer<pcap_if_t>?
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard pcap_findalldevs(&list, &errorBuffer) == 0 else {
            throw .failed(interface: "(all)", reason: LiveCapture.text(errorBuffer))
        }
        defer { pcap_freealldevs(list) }
        var result: [CaptureInterface] = []
        var node = list
        while let device = node {
            var addresses: [String] = []
            var address = device.pointee.addresses
            while let a = address {
                if let sa = a.pointee.addr, let text = LiveCapture.addressText(sa) { addresses.append(text) }
                address = a.pointee.next
            }
            let flags = device.pointee.flags
            result.append(
                CaptureInterface(
                    name: String(cString: device.pointee.name),
                    description: device.pointee.description.map { String(cString: $0) },
                    addresses: addresses, isUp: flags & UInt32(PCAP_IF_UP) != 0,
                    isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0, isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0))
            node = device.pointee.next
        }
        return result
    }
}
