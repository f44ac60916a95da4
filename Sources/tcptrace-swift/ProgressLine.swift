import Foundation
import TCPTrace

/// The progress line on standard error (a terminal): rewritten in place at most ten times a second, and erased
/// before anything else is written to the terminal (`erase`), then drawn again below it at the next update.
final class ProgressLine: @unchecked Sendable {
    private let started = Date()
    private var lastShown = Date.distantPast
    /// The line is on the terminal now; it is not drawn while standard output (the same terminal) has left a
    /// line unfinished.
    private var isShown = false
    private var isHeld = false
    private let lock = NSLock()

    /// A progress line when standard error is a terminal and `quiet` is off; nil otherwise.
    static func make(quiet: Bool) -> ProgressLine? {
        !quiet && isatty(2) == 1 ? ProgressLine() : nil
    }

    /// The callback for `AnalysisOptions.progress`.
    var callback: @Sendable (AnalysisProgress) -> Void {
        { [self] progress in show(progress) }
    }

    private func show(_ progress: AnalysisProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard !isHeld, now.timeIntervalSince(lastShown) >= 0.1 else { return }
        lastShown = now
        // Erased to the end of the line: a shorter line leaves nothing of the previous one.
        let text = "\r" + progress.line(elapsed: now.timeIntervalSince(started)) + "\u{1B}[K"
        FileHandle.standardError.write(Data(text.utf8))
        isShown = true
    }

    /// What standard output calls before each write (`ByteOutput`'s `beforeWrite`), or nil when it cannot show
    /// on the line's terminal: the terminal itself (the line is then held back while output leaves a line
    /// unfinished), or a pipe, which may well end there (`| head`; the line is only erased); nothing for a file.
    static func eraser(_ line: ProgressLine) -> (@Sendable (Bool) -> Void)? {
        if isatty(1) == 1 { return { line.beforeOutput(endsLine: $0) } }
        var status = stat()
        guard fstat(1, &status) == 0 else { return nil }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFIFO || kind == S_IFSOCK else { return nil }
        return { _ in line.beforeOutput(endsLine: true) }
    }

    /// Takes the line off the terminal, if it is there: called before warnings.
    func erase() { beforeOutput(endsLine: true) }

    /// Standard output, the same terminal, is about to be written (`ByteOutput`'s `beforeWrite`): the line is
    /// erased first, and held back until output ends a line again (the line is drawn below the output, never
    /// inside a line of it).
    func beforeOutput(endsLine: Bool) {
        lock.lock()
        defer { lock.unlock() }
        isHeld = !endsLine
        guard isShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        isShown = false
    }
}
