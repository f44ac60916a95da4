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

    /// What runs each write to standard output (`ByteOutput`'s `aroundWrite`), or nil when the line cannot show
    /// on standard output's terminal: the terminal itself (the line is then held back while output leaves a line
    /// unfinished), or a pipe, which may well end there (`| head`; the line is only erased); nothing for a file.
    static func eraser(_ line: ProgressLine) -> ByteOutput.AroundWrite? {
        if isatty(1) == 1 { return { endsLine, write in line.output(endsLine: endsLine, write) } }
        var status = stat()
        guard fstat(1, &status) == 0 else { return nil }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFIFO || kind == S_IFSOCK else { return nil }
        return { _, write in line.output(endsLine: true, write) }
    }

    /// Takes the line off the terminal, if it is there: called before warnings.
    func erase() { output(endsLine: true) {} }

    /// Writes to standard output, the same terminal (`ByteOutput`'s `aroundWrite`, `write`): the line is erased
    /// first, and held back until output ends a line again (the line is drawn below the output, never inside a
    /// line of it). Under the lock, so that the line is not drawn again between the erasing and the write, which
    /// may run on another thread than `show` (the second core: `RenderingAhead`).
    func output(endsLine: Bool, _ write: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        isHeld = !endsLine
        if isShown {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            isShown = false
        }
        write()
    }
}
