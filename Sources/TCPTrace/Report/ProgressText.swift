extension AnalysisProgress {
    /// The progress line (without the carriage return): a 20-cell bar of bytes read of the total when the
    /// input's size is known, then segments tracked and their rate over `elapsed` seconds, connections seen and
    /// those not finished yet. E.g. `[#####---------------] 25% 3.0 of 12.0 MB, 1000 segments (500/s),
    /// 12 connections (5 not finished)`.
    public func line(elapsed: Double) -> String {
        let rate = Int(Double(segments) / max(elapsed, 1e-3))
        var text = ""
        if totalBytes > 0 {
            let fraction = min(1, max(0, Double(bytesRead) / Double(totalBytes)))
            let filled = Int(fraction * 20)
            text =
                "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
                + "\(Int(fraction * 100))% \(AnalysisProgress.megabytes(bytesRead)) of "
                + "\(AnalysisProgress.megabytes(totalBytes)) MB, "
        }
        return text
            + "\(segments) segments (\(rate)/s), \(connections) connections (\(unfinished) not finished)"
    }

    private static func megabytes(_ bytes: Int64) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
