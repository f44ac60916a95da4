internal import CPcap
import Foundation

/// A live capture on an interface through libpcap: created, configured and activated here, read with
/// `pcap_next_ex` and a short read timeout so a quiet interface still lets the caller run timers.
public struct LiveCapture: ~Copyable {
    private let handle: OpaquePointer
    private var dumper: OpaquePointer?
    public let interface: String
    public let linkType: LinkType
    /// The snapshot length the handle has (what was asked, unless the device allows less).
    public let snapLength: Int
    /// 1 when libpcap gives nanoseconds, 1000 when it could only give microseconds.
    private let fractionScale: Int64

    /// Read timeout: how long `next` waits for a packet before returning so timers can run.
    static let readTimeoutMilliseconds: Int32 = 100

    public init(
        interface: String, snapLength: Int, promiscuous: Bool, filter: String?, writeTo path: String?
    )
        throws(LiveCaptureError)
    {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let pcap = pcap_create(interface, &errorBuffer) else {
            throw .failed(interface: interface, reason: LiveCapture.text(errorBuffer))
        }
        pcap_set_snaplen(pcap, Int32(snapLength))
        pcap_set_promisc(pcap, promiscuous ? 1 : 0)
        pcap_set_timeout(pcap, LiveCapture.readTimeoutMilliseconds)
        pcap_set_immediate_mode(pcap, 1)
        // A 32 MiB kernel buffer absorbs bursts (libpcap's default is 2 MiB).
        pcap_set_buffer_size(pcap, 32 << 20)
        _ = pcap_set_tstamp_precision(pcap, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(pcap)
        if status < 0 {
            let reason = String(cString: pcap_geterr(pcap))
            pcap_close(pcap)
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE: throw .noSuchInterface(interface)
            case PCAP_ERROR_PERM_DENIED: throw .permissionDenied(interface: interface, reason: reason)
            default:
                if reason.contains("Operation not permitted") || reason.contains("ermission") {
                    throw .permissionDenied(interface: interface, reason: reason)
                }
                throw .failed(
                    interface: interface, reason: reason.isEmpty ? String(cString: pcap_statustostr(status)) : reason)
            }
        }
        if let filter, !filter.isEmpty {
            var program = bpf_program()
            guard pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let reason = String(cString: pcap_geterr(pcap))
                pcap_close(pcap)
                throw .badFilter(filter: filter, reason: reason)
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(pcap, &program) == 0 else {
                let reason = String(cString: pcap_geterr(pcap))
                pcap_close(pcap)
                throw .badFilter(filter: filter, reason: reason)
            }
        }
        if let path {
            guard let d = pcap_dump_open(pcap, path) else {
                let reason = String(cString: pcap_geterr(pcap))
                pcap_close(pcap)
                throw .cannotWrite(path: path, reason: reason)
            }
            self.dumper = d
        } else {
            self.dumper = nil
        }
        self.handle = pcap
        self.interface = interface
        self.linkType = LinkType(rawValue: pcap_datalink(pcap))
        self.snapLength = Int(pcap_snapshot(pcap))
        self.fractionScale = pcap_get_tstamp_precision(pcap) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? 1 : 1000
        // Non-blocking reads plus poll(2) with our own timeout: on Linux a blocking read in immediate mode can
        // wait for the next packet forever, and a quiet interface must still let timers and signals run.
        _ = pcap_setnonblock(pcap, 1, &errorBuffer)
        self.descriptor = pcap_get_selectable_fd(pcap)
    }

    private let descriptor: Int32

    deinit {
        if let dumper {
            pcap_dump_flush(dumper)
            pcap_dump_close(dumper)
        }
        pcap_close(handle)
    }

    public enum Next {
        case packet
        /// The read timeout passed without a packet.
        case timeout
        case error(String)
    }

    /// Waits up to the read timeout for one packet and hands it to `body` (bytes valid only during the
    /// call); writes it to `--write` first when asked.
    public func next(_ body: (PacketRecord, UnsafeRawBufferPointer) -> Void) -> Next {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var status = pcap_next_ex(handle, &header, &data)
        if status == 0 && descriptor >= 0 {
            var fd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, LiveCapture.readTimeoutMilliseconds)
            status = pcap_next_ex(handle, &header, &data)
        }
        switch status {
        case 1:
            guard let header, let data else { return .timeout }
            if let dumper {
                pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, data)
                pcap_dump_flush(dumper)
            }
            let h = header.pointee
            let record = PacketRecord(
                timestamp: Timestamp(
                    seconds: Int64(h.ts.tv_sec),
                    nanoseconds: Int64(h.ts.tv_usec) * fractionScale),
                capturedLength: h.caplen, originalLength: h.len)
            body(record, UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
            return .packet
        case 0:
            return .timeout
        default:
            return .error(String(cString: pcap_geterr(handle)))
        }
    }

    /// What tcpdump prints once the capture is open: `listening on lo, link-type EN10MB (Ethernet), snapshot
    /// length 256 bytes` (libpcap's name and description of the link type).
    public var listeningLine: String {
        let type = pcap_datalink(handle)
        let name = pcap_datalink_val_to_name(type).map { String(cString: $0) } ?? linkType.name
        let description = pcap_datalink_val_to_description(type).map { " (" + String(cString: $0) + ")" } ?? ""
        return "listening on \(interface), link-type \(name)\(description), snapshot length \(snapLength) bytes"
    }

    /// Packets received and dropped so far, as libpcap counts them.
    public func statistics() -> LiveStatistics? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return LiveStatistics(
            received: stats.ps_recv, droppedByKernel: stats.ps_drop, droppedByInterface: stats.ps_ifdrop)
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func addressText(_ sa: UnsafeMutablePointer<sockaddr>) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let length: socklen_t
        switch Int32(sa.pointee.sa_family) {
        case AF_INET: length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case AF_INET6: length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        default: return nil
        }
        guard getnameinfo(sa, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return text(host)
    }
}
