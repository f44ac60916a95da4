import Foundation
import PcapSynth

// Writes every synthetic scenario to Fixtures/synthetic/NAME.pcap (run from the package root:
// `swift run make-fixtures`). The files are deterministic: running it again gives the same bytes.
let folder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Fixtures/synthetic"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
for scenario in SyntheticScenarios.all {
    let bytes = scenario.build()
    let path = "\(folder)/\(SyntheticScenarios.fileName(scenario.name, bytes))"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    print("wrote \(path)")
}
