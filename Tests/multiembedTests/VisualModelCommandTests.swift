import EmbeddingTesting
import Foundation
import Testing

/// `index add` and `search` with a visual-document late-interaction model (ColModernVBERT):
/// page images indexed as one vector per prompt token, text queries scored against them by
/// MaxSim as colpali-engine scores them.
@Suite struct VisualModelCommandTests {
    struct Golden: Decodable {
        struct Query: Decodable { let text: String }
        struct Image: Decodable { let file: String }
        let queries: [Query]
        let images: [Image]
        let scores: [[Float]]
    }

    @Test func indexedImagesRankAsColpaliEngineRanksThem() throws {
        let model = Fixtures.url("tiny-colmodernvbert").path
        let golden = try Fixtures.load(Golden.self, from: "tiny-colmodernvbert/golden.json")
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        let files = golden.images.map { Fixtures.url("images/\($0.file)").path }
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "pages", "--model", model] + files)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("added=3 failed=0"), "\(added.stdout)")

        // The golden's empty query is left out: `search` refuses an empty query.
        for (row, query) in golden.queries.enumerated() where !query.text.isEmpty {
            let found = try CommandRunner.run(
                ["search", "--data-dir", data, "--collection", "pages", "--model", model, "--top-k", "3", query.text])
            #expect(found.status == 0, "\(found.stderr)")
            let hits = found.stdout.split(separator: "\n").map { $0.split(separator: "\t") }.filter { $0.count >= 3 }
            let ranked = hits.map { ($0[2] as Substring).split(separator: "/").last.map(String.init) ?? "" }
            let reference = golden.scores[row].indices.sorted { golden.scores[row][$0] > golden.scores[row][$1] }
            #expect(ranked == reference.map { golden.images[$0].file }, "\(query.text): \(found.stdout)")
            // Our own resizing and tiling (not the reference's pixel values): close, not equal.
            for hit in hits {
                let file = (hit[2] as Substring).split(separator: "/").last.map(String.init) ?? ""
                guard let column = golden.images.firstIndex(where: { $0.file == file }), let score = Float(hit[1]) else { continue }
                #expect(abs(score - golden.scores[row][column]) < 5e-3, "\(query.text) / \(file): \(score) vs \(golden.scores[row][column])")
            }
        }
    }

    @Test func aDenseCollectionIsRefusedByName() throws {
        let model = Fixtures.url("tiny-colmodernvbert").path
        let folder = try TemporaryDirectory()
        let output = try CommandRunner.run(
            ["index", "add", "--data-dir", folder.url.path, "--collection", "d", "--model", model, "--kind", "dense",
             Fixtures.url("images/tall-40x200.png").path])
        #expect(output.status != 0 && !output.crashed)
        #expect(output.stderr.contains("no pooled embedding"), "\(output.stderr)")
    }
}
