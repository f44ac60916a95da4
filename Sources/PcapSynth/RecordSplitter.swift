/// Splits a little-endian classic pcap produced by `PcapWriter` back into packet records.
public enum RecordSplitter {
    public static func records(_ file: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 24
        while offset + 16 <= file.count {
            let caplen =
                Int(file[offset + 8]) | Int(file[offset + 9]) << 8 | Int(file[offset + 10]) << 16
                | Int(file[offset + 11]) << 24
            records.append(Array(file[(offset + 16)..<(offset + 16 + caplen)]))
            offset += 16 + caplen
        }
        return records
    }
}
