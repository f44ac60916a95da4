import Foundation

/// Reads a pcapng file block by block (the pcapng specification, draft-ietf-opsawg-pcapng): several sections,
/// each with its own byte order; several interfaces per section, each with its own link type, snapshot length
/// and timestamp resolution and offset (`if_tsresol`, `if_tsoffset`); Enhanced, Simple and obsolete Packet
/// blocks; every other block skipped. libpcap refuses a file whose interfaces have different link types
/// (what Wireshark writes when it captures on two interfaces), so pcapng files are read here, not by libpcap.
///
/// A Simple Packet Block has no timestamp and no interface: it belongs to the section's first interface and
/// gets the previous packet's timestamp (docs/inputs.md). Link types are the files' LINKTYPE_ values, mapped
/// to the decoder's (`LinkType(linkTypeValue:)`). Errors name what is wrong as libpcap does for the same
/// damage (`sf-pcapng.c`), so that a damaged file reads the same whichever reader takes it.
final class PcapngReader {
    /// An interface of the current section.
    struct Interface {
        var linkType: LinkType
        var snapLength: Int
        /// Timestamp units per second (`if_tsresol`; 10^6 by default), and seconds added (`if_tsoffset`).
        var unitsPerSecond: UInt64 = 1_000_000
        var offsetSeconds: Int64 = 0
    }

    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    /// Largest block read (a packet of 262,144 bytes plus headers and options fits many times over).
    static let maximumBlockLength = 16 << 20

    private let source: BlockSource
    // `@exclusivity(unchecked)` on the fields every packet reads or writes: the reader is used from one
    // thread and never hands out a reference to them, and the dynamic checks of a class's stored properties
    // were two `swift_beginAccess` calls per packet, 3.4 % of all instructions on a pcapng copy of the
    // benchmark's short connections (callgrind, issue 21).
    @exclusivity(unchecked) private var bigEndian = false
    @exclusivity(unchecked) private(set) var interfaces: [Interface] = []
    /// Interfaces of the sections before this one: a packet's interface number counts over the whole file,
    /// as Wireshark's `frame.interface_id` does.
    private var interfacesBefore = 0
    /// Interfaces described so far, all sections.
    var interfaceCount: Int { interfacesBefore + interfaces.count }
    /// Link types of every interface seen so far, in order of first appearance (all sections).
    private(set) var allLinkTypes: [LinkType] = []
    /// Every interface described so far, all sections, by the interface number packets carry
    /// (`PacketRecord.interface`).
    private(set) var everyInterface: [Interface] = []
    @exclusivity(unchecked) private var lastTimestamp = Timestamp(nanoseconds: 0)
    /// Blocks read ahead by `init` (the first interfaces) are not read again.
    private var pendingBlock: (type: UInt32, body: Range<Int>)?

    /// Whether these bytes start a pcapng file.
    static func isPcapng(_ header: UnsafeRawBufferPointer) -> Bool {
        header.count >= 4 && header.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == sectionHeaderType
    }

    /// Reads the first section header and the interfaces described before the first packet.
    /// - Throws: `CaptureError.unreadableFormat` for a file this reader cannot take (a bad section header, an
    ///   unsupported version), `.unsupportedLinkType` when no interface has a link type the decoder reads.
    init(source: BlockSource, path: String) throws(CaptureError) {
        self.source = source
        let first: (UInt32, Range<Int>)?
        do throws(ReadProblem) { first = try readBlock() } catch {
            throw .unreadableFormat(path: path, format: "pcapng", reason: error.message)
        }
        guard let (type, body) = first, type == PcapngReader.sectionHeaderType else {
            throw .unreadableFormat(path: path, format: "pcapng", reason: "no section header block at the start")
        }
        if let problem = startSection(body) { throw .unreadableFormat(path: path, format: "pcapng", reason: problem) }
        // The interfaces described before the first packet (what a one-interface file has); blocks that are
        // neither (name resolution, decryption secrets, custom) are skipped, as reading skips them.
        while true {
            let next: (UInt32, Range<Int>)?
            do throws(ReadProblem) { next = try readBlock() } catch {
                throw .unreadableFormat(path: path, format: "pcapng", reason: error.message)
            }
            guard let (type, body) = next else { break }
            if type == 1 {
                if let problem = addInterface(body) {
                    throw .unreadableFormat(path: path, format: "pcapng", reason: problem)
                }
            } else if type == 2 || type == 3 || type == 6 || type == PcapngReader.sectionHeaderType {
                pendingBlock = (type, body)
                break
            }
        }
        guard let first = interfaces.first else {
            throw .unreadableFormat(
                path: path, format: "pcapng", reason: "the file describes no interface before its packets")
        }
        if !interfaces.contains(where: { $0.linkType.isSupported }) {
            throw .unsupportedLinkType(path: path, linkType: first.linkType)
        }
    }

    /// The first interface's link type and snapshot length (the file's, for the summary).
    var linkType: LinkType { interfaces.first?.linkType ?? .ethernet }
    var snapLength: Int { interfaces.first?.snapLength ?? 0 }
    var bytesRead: Int64 { source.bytesRead }

    /// Calls `body` for each packet in file order, as `CaptureFile.forEachPacket` does; each record carries
    /// its interface's link type.
    func forEachPacket(_ body: (PacketRecord, UnsafeRawBufferPointer) throws -> Void) rethrows -> ReadEnd {
        while true {
            let type: UInt32, range: Range<Int>
            if let pending = pendingBlock {
                (type, range) = pending
                pendingBlock = nil
            } else {
                do throws(ReadProblem) {
                    guard let block = try readBlock() else { return .endOfFile }
                    (type, range) = block
                } catch {
                    source.stop()
                    return .damaged(reason: error.message)
                }
            }
            switch type {
            case PcapngReader.sectionHeaderType:
                if let problem = startSection(range) { return .damaged(reason: problem) }
            case 1:
                if let problem = addInterface(range) { return .damaged(reason: problem) }
            case 2, 3, 6:
                switch packet(type, range) {
                case .success(let (record, bytes)): try body(record, bytes)
                case .failure(let problem): return .damaged(reason: problem.message)
                }
            default:
                continue  // statistics, name resolution, custom and unknown blocks
            }
        }
    }

    // MARK: Blocks

    struct ReadProblem: Error {
        var message: String
    }

    /// The next block's type and the range of its body in the source's buffer (valid until the next read);
    /// nil at the end of the file.
    private func readBlock() throws(ReadProblem) -> (UInt32, Range<Int>)? {
        guard let head = source.peek(12) else {
            if source.remaining == 0 { return nil }
            throw ReadProblem(
                message: "truncated pcapng dump file; tried to read 8 header bytes, only got \(source.remaining)")
        }
        var type = head.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        if type == PcapngReader.sectionHeaderType {
            // A new section sets its own byte order from its byte-order magic.
            let magic = head.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            if magic == PcapngReader.byteOrderMagic {
                bigEndian = false
            } else if magic == PcapngReader.byteOrderMagic.byteSwapped {
                bigEndian = true
            } else {
                throw ReadProblem(message: "the section header block's byte-order magic is \(magic)")
            }
        } else {
            type = word(type)
        }
        let length = Int(word(head.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        guard length >= 12, length % 4 == 0 else {
            throw ReadProblem(
                message: "block in pcapng dump file has a length of \(length) < 12 or not a multiple of 4")
        }
        guard length <= PcapngReader.maximumBlockLength else {
            throw ReadProblem(message: "pcapng block size \(length) > maximum \(PcapngReader.maximumBlockLength)")
        }
        guard let block = source.take(length) else {
            throw ReadProblem(
                message: "truncated pcapng dump file; tried to read \(length) bytes, only got \(source.remaining)")
        }
        let trailer = Int(word(block.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)))
        guard trailer == length else {
            throw ReadProblem(message: "block total length in header and trailer don't match")
        }
        let base = source.offset(of: block)
        return (type, (base + 8)..<(base + length - 4))
    }

    /// A section header block's body: checks its version.
    private func startSection(_ body: Range<Int>) -> String? {
        let bytes = source.bytes(body)
        guard bytes.count >= 16 else { return "the section header block is too short" }
        let major = half(bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        let minor = half(bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        guard major == 1, minor == 0 || minor == 2 else {
            return "unsupported pcapng savefile version \(major).\(minor)"
        }
        interfacesBefore += interfaces.count
        interfaces = []
        return nil
    }

    /// An interface description block: link type, snapshot length, `if_tsresol`, `if_tsoffset`.
    private func addInterface(_ body: Range<Int>) -> String? {
        let bytes = source.bytes(body)
        guard bytes.count >= 8 else { return "the interface description block is too short" }
        let linkType = LinkType(linkTypeValue: UInt32(half(bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self))))
        var interface = Interface(
            linkType: linkType, snapLength: Int(word(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))))
        var cursor = 8
        while cursor + 4 <= bytes.count {
            let code = half(bytes.loadUnaligned(fromByteOffset: cursor, as: UInt16.self))
            let length = Int(half(bytes.loadUnaligned(fromByteOffset: cursor + 2, as: UInt16.self)))
            let value = cursor + 4
            guard code != 0, value + length <= bytes.count else { break }
            if code == 9, length >= 1 {
                // if_tsresol: 10^-n, or 2^-n when the top bit is set.
                let resolution = bytes[value]
                let exponent = UInt64(resolution & 0x7f)
                if resolution & 0x80 != 0 {
                    guard exponent < 64 else { return "if_tsresol 2^-\(exponent) is too fine" }
                    interface.unitsPerSecond = 1 << exponent
                } else {
                    guard exponent <= 19 else { return "if_tsresol 10^-\(exponent) is too fine" }
                    interface.unitsPerSecond = (0..<exponent).reduce(1) { value, _ in value * 10 }
                }
            } else if code == 14, length >= 8 {
                var offset = bytes.loadUnaligned(fromByteOffset: value, as: UInt64.self)
                if bigEndian { offset = offset.byteSwapped }
                interface.offsetSeconds = Int64(bitPattern: offset)
            }
            cursor = value + (length + 3) / 4 * 4
        }
        interfaces.append(interface)
        everyInterface.append(interface)
        if !allLinkTypes.contains(linkType) { allLinkTypes.append(linkType) }
        return nil
    }

    /// A packet block (2 obsolete Packet, 3 Simple Packet, 6 Enhanced Packet): its record and bytes.
    private func packet(
        _ type: UInt32, _ body: Range<Int>
    ) -> Result<(PacketRecord, UnsafeRawBufferPointer), ReadProblem> {
        let bytes = source.bytes(body)
        let headerLength = type == 3 ? 4 : 20
        guard bytes.count >= headerLength else {
            return .failure(ReadProblem(message: "a packet block is too short for its header"))
        }
        let interfaceID: Int
        var captured: Int
        let original: UInt32
        var timestamp = lastTimestamp
        if type == 3 {
            interfaceID = 0
            original = word(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            captured = min(Int(original), bytes.count - 4)
        } else {
            interfaceID =
                type == 6
                ? Int(word(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
                : Int(half(bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self)))
            let high = UInt64(word(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
            let low = UInt64(word(bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            captured = Int(word(bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
            original = word(bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            guard interfaceID < interfaces.count else {
                return .failure(
                    ReadProblem(message: "a packet arrived on interface \(interfaceID), but there's no such interface"))
            }
            timestamp = PcapngReader.timestamp(high << 32 | low, interfaces[interfaceID])
        }
        guard interfaceID < interfaces.count else {
            return .failure(ReadProblem(message: "a simple packet block comes before any interface"))
        }
        guard captured <= bytes.count - headerLength else {
            return .failure(
                ReadProblem(message: "a packet's captured length \(captured) runs past its block"))
        }
        let interface = interfaces[interfaceID]
        if interface.snapLength > 0 { captured = min(captured, interface.snapLength) }
        lastTimestamp = timestamp
        let record = PacketRecord(
            timestamp: timestamp, capturedLength: UInt32(captured), originalLength: original,
            linkType: interface.linkType, interface: UInt32(truncatingIfNeeded: interfacesBefore + interfaceID))
        return .success((record, UnsafeRawBufferPointer(rebasing: bytes[headerLength..<(headerLength + captured)])))
    }

    /// A timestamp of `units` of the interface's resolution, with its offset, in nanoseconds.
    static func timestamp(_ units: UInt64, _ interface: Interface) -> Timestamp {
        let perSecond = interface.unitsPerSecond
        // The two resolutions nearly every file uses, without the 128-bit division below.
        if perSecond == 1_000_000 || perSecond == 1_000_000_000 {
            let seconds = units / perSecond, fraction = units % perSecond
            return Timestamp(
                seconds: Int64(truncatingIfNeeded: seconds) &+ interface.offsetSeconds,
                nanoseconds: Int64(truncatingIfNeeded: perSecond == 1_000_000 ? fraction * 1000 : fraction))
        }
        let seconds = units / perSecond
        // The fraction in nanoseconds, in 128 bits: fraction < perSecond, so the quotient fits.
        let wide = (units % perSecond).multipliedFullWidth(by: 1_000_000_000)
        let nanoseconds = perSecond.dividingFullWidth((high: wide.high, low: wide.low)).quotient
        return Timestamp(
            seconds: Int64(truncatingIfNeeded: seconds) &+ interface.offsetSeconds,
            nanoseconds: Int64(truncatingIfNeeded: nanoseconds))
    }

    @inline(__always) private func word(_ value: UInt32) -> UInt32 { bigEndian ? value.byteSwapped : value }
    @inline(__always) private func half(_ value: UInt16) -> UInt16 { bigEndian ? value.byteSwapped : value }
}
