import EmbeddingTesting
import Foundation
import Testing

/// `multiembed bench ocr`: OCR alone over page images, one line a script can parse.
@Suite struct BenchOCRCommandTests {
    @Test func readsEveryPageAndPrintsOneParsableLine() throws {
        let folder = try TemporaryDirectory()
        for name in ["d0.png", "d1.png"] {
            try FileManager.default.copyItem(at: Fixtures.url("pages/\(name)"), to: folder.url.appendingPathComponent(name))
        }
        let output = try CommandRunner.run(["bench", "ocr", folder.url.path])
        #expect(output.status == 0, "\(output.stderr)")
        let fields = Dictionary(
            uniqueKeysWithValues: output.stdout.split(whereSeparator: \.isWhitespace).compactMap { field -> (String, String)? in
                let parts = field.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            })
        #expect(fields["pages"] == "2", "\(output.stdout)")
        // Two man pages hold hundreds of words; an engine that read nothing would print 0.
        #expect(Int(fields["words"] ?? "") ?? 0 > 100, "\(output.stdout)")
        #expect(Double(fields["pages_per_s"] ?? "") ?? 0 > 0, "\(output.stdout)")

        let limited = try CommandRunner.run(["bench", "ocr", "--limit", "1", folder.url.path])
        #expect(limited.stdout.hasPrefix("pages=1 "), "\(limited.stdout)")
    }

    @Test func aFolderWithoutPagesIsRefusedByName() throws {
        let folder = try TemporaryDirectory()
        let output = try CommandRunner.run(["bench", "ocr", folder.url.path])
        #expect(output.status != 0)
        #expect(output.stderr.contains(folder.url.path) && output.stderr.contains("no page images"), "\(output.stderr)")
    }
}
