/// The capture format `extract` writes.
public enum ExtractFormat: String, Sendable {
    /// Classic pcap: the output's name ends in `.pcap` and every frame written has one link type.
    case pcap
    /// pcapng: any other name, or frames of several link types.
    case pcapng
}
