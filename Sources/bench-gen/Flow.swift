import PcapSynth

struct Flow {
    var index: Int
    var v6: Bool
    var anomaly: Anomaly
    var step = 0
    var clientSeq: UInt32
    var serverSeq: UInt32
    var startTime: Int64
}
