import Foundation
import TCPTrace

/// libFuzzer entry: the input is a whole capture file. Every outcome but a crash, trap, leak or hang is fine:
/// a refused file throws `CaptureError`, a damaged one is analysed up to the damage.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = AnalysisOptions(tracker: TrackerOptions(msl: 30, recordTimeline: true))
    let analysis: Analysis
    do { analysis = try Analyzer.analyze(bytes: bytes, name: "fuzz.pcap", options: options) } catch { if getenv("FUZZ_DEBUG") != nil { print(error) }; return 0 }
    _ = JSONReport.render(analysis)
    _ = TextReport.render(analysis, timelines: Set(analysis.connections.map(\.id)))
    for c in analysis.connections.prefix(4) {
        _ = LadderRenderer().render(c)
        _ = ConnectionPictures.combined(c, msl: 30)
    }
    return 0
}
