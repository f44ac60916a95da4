import Foundation
import TCPTrace

/// The progress line on standard error (a terminal): rewritten in place at most ten times a second.
final class ProgressLine: @unchecked Sendable {
    private let started = Date()
    private var lastShown = Date.distantPast
    private let lock = NSLock()

    /// A progress callback for `AnalysisOptions.progress`.
    static func make() -> @Sendable (AnalysisProgress) -> Void {
        let line = ProgressLine()
        return { line.show($0) }
    }

    private func show(_ progress: AnalysisProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= 0.1 else { return }
        lastShown = now
        let text = "\r" + progress.line(elapsed: now.timeIntervalSince(started)) + "   "
        FileHandle.standardError.write(Data(text.utf8))
    }
}
