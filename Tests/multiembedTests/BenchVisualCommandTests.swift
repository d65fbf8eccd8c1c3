import EmbeddingTesting
import Foundation
import Testing

/// `multiembed bench visual-pages` and `visual-queries`: a ColModernVBERT model's throughput,
/// one line a script can parse, on the tiny fixture.
@Suite struct BenchVisualCommandTests {
    private static let model = Fixtures.url("tiny-colmodernvbert").path

    private func fields(_ line: String) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: line.split(whereSeparator: \.isWhitespace).compactMap { field -> (String, String)? in
                let parts = field.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            })
    }

    @Test func pagesPrintTheirCountTokensAndRate() throws {
        let output = try CommandRunner.run([
            "bench", "visual-pages", "--model", Self.model, "--page", Fixtures.url("images/document-page.png").path, "--pages", "2",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let values = fields(output.stdout)
        #expect(values["pages"] == "2", "\(output.stdout)")
        // 850x1100 becomes 2x2 tiles of 64 plus the global image, 4 tokens each, inside the prompt.
        let golden = try Fixtures.load(Golden.self, from: "tiny-colmodernvbert/golden.json")
        let page = try #require(golden.images.first { $0.file == "document-page.png" })
        #expect(values["tokens"] == String(page.input_ids.count), "\(output.stdout)")
        #expect(Double(values["pages_per_s"] ?? "") ?? 0 > 0, "\(output.stdout)")
    }

    @Test func queriesPrintTheirCountBatchAndRate() throws {
        let folder = try TemporaryDirectory()
        let texts = folder.url.appendingPathComponent("queries.txt")
        try "revenue report\na diagram\na photo of a cat\n".write(to: texts, atomically: true, encoding: .utf8)
        let output = try CommandRunner.run([
            "bench", "visual-queries", "--model", Self.model, "--texts", texts.path, "--queries", "2", "--batch-size", "1",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let values = fields(output.stdout)
        #expect(values["queries"] == "2" && values["batch"] == "1", "\(output.stdout)")
        #expect(Double(values["queries_per_s"] ?? "") ?? 0 > 0, "\(output.stdout)")
    }

    @Test func aModelThatIsNotVisualIsRefusedByName() throws {
        let model = Fixtures.url("tiny-modernbert").path
        let output = try CommandRunner.run([
            "bench", "visual-pages", "--model", model, "--page", Fixtures.url("images/document-page.png").path,
        ])
        #expect(output.status != 0)
        #expect(output.stderr.contains("tiny-modernbert") && output.stderr.contains("not a visual-document"), "\(output.stderr)")
    }

    private struct Golden: Decodable {
        struct Image: Decodable {
            let file: String
            let input_ids: [Int]
        }
        let images: [Image]
    }
}
