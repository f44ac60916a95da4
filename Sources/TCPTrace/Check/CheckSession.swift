import Foundation

/// Finds captures and their sidecar expectation files, analyses each capture and evaluates it.
public enum CheckSession {
    public static let captureExtensions = ["pcap", "pcapng", "cap", "snoop"]

    /// Expands folders (recursively, sorted) into capture files; other paths are kept as given.
    public static func captures(in paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let base = path.hasSuffix("/") ? String(path.dropLast()) : path
                let found = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                    .filter { captureExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                    .sorted()
                result += found.map { base + "/" + $0 }
            } else {
                result.append(path)
            }
        }
        return result
    }

    /// `X.pcap` → `X.expect.yaml`.
    public static func sidecar(for capture: String) -> String {
        let name = capture.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? capture
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return capture + ".expect.yaml" }
        return String(capture.dropLast(name.distance(from: dot, to: name.endIndex))) + ".expect.yaml"
    }

    public static func check(capture: String, expectationPath: String?, options: AnalysisOptions) -> CaptureCheck {
        let path = expectationPath ?? sidecar(for: capture)
        var file = ExpectationFile.defaultPolicy
        var used = file.source
        if expectationPath != nil || FileManager.default.fileExists(atPath: path) {
            do {
                guard let data = FileManager.default.contents(atPath: path) else {
                    return CaptureCheck(
                        capture: capture, expectations: path, results: [],
                        error: "\(path): cannot read the expectation file", warnings: [])
                }
                file = try ExpectationParser.parse(String(decoding: data, as: UTF8.self), path: path)
                used = path
            } catch {
                return CaptureCheck(
                    capture: capture, expectations: path, results: [], error: error.description,
                    warnings: [])
            }
        }
        do {
            var analysis = try Analyzer.analyze(paths: [capture], options: options)
            analysis.attachHosts(HostOptions(msl: options.tracker.msl, portRange: file.portRange ?? 32768...60999))
            return CaptureCheck(
                capture: capture, expectations: used, results: CheckRunner.evaluate(file, on: analysis),
                error: nil, warnings: analysis.input.warnings)
        } catch {
            return CaptureCheck(
                capture: capture, expectations: used, results: [], error: error.description, warnings: [])
        }
    }
}
