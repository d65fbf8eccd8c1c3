import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal and
/// the job is long enough to be worth watching, so pipes and logs stay clean.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(total: Int, label: String, minimumTotal: Int = 256) {
        self.total = total
        self.label = label
        enabled = total >= minimumTotal && isatty(STDERR_FILENO) == 1
    }

    /// Redraws for `done` items, at most ten times a second.
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d %.0f/s", label, bar, done, total, rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line.
    func finish() {
        guard enabled else { return }
        update(total)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
