import Foundation
import Testing

@testable import PDFPages

/// The `PDFError` that `body` throws; records an issue (and returns nil) if it succeeds or
/// throws anything else.
func pdfError<T>(
    _ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) -> PDFError? {
    do {
        _ = try body()
        Issue.record("expected a PDFError, but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as PDFError {
        return error
    } catch {
        Issue.record("expected a PDFError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A private folder for one test, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "pdfpages-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    /// An executable shell script `name` with `body` after the #! line.
    func script(_ name: String, _ body: String) throws {
        try ("#!/bin/sh\n" + body + "\n").write(toFile: file(name), atomically: true, encoding: .utf8)
        chmod(file(name), 0o755)
    }

    /// A stand-in for poppler-utils: the real programs linked in, except those in `replaced`.
    static func fakeTools(replacing replaced: [String: String]) throws -> ScratchFolder {
        let folder = try ScratchFolder()
        for tool in ["pdfinfo", "pdftotext", "pdftoppm"] {
            if let body = replaced[tool] {
                try folder.script(tool, body)
            } else {
                try FileManager.default.createSymbolicLink(
                    atPath: folder.file(tool), withDestinationPath: try PopplerTools().executable(tool))
            }
        }
        return folder
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Whether process `pid` no longer runs: gone, or a zombie (dead, waiting for a parent that is
/// not us: those we reap ourselves). Waits up to 2 s for a killed process to go.
func processIsGone(_ pid: Int32) -> Bool {
    for _ in 0..<200 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S ...": the state follows the last ')'.
        if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") {
            return true
        }
        usleep(10_000)
    }
    return false
}
