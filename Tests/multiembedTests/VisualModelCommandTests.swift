import EmbeddingTesting
import Foundation
import Testing

/// `index add` and `search` with a visual-document late-interaction model (ColModernVBERT):
/// page images indexed as one vector per prompt token, text queries scored against them by
/// MaxSim as colpali-engine scores them.
@Suite struct VisualModelCommandTests {
    struct Golden: Decodable {
        struct Query: Decodable {
            let text: String
            let vectors: [[Float]]
        }
        struct Image: Decodable {
            let file: String
            let vectors: [[Float]]
        }
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

    @Test func embedWritesTheVectorsOfImagesAndQueries() throws {
        let model = Fixtures.url("tiny-colmodernvbert").path
        let golden = try Fixtures.load(Golden.self, from: "tiny-colmodernvbert/golden.json")
        let image = golden.images[2]
        let embedded = try CommandRunner.run(
            ["embed", "--model", model, "--multi-vector", "--images", Fixtures.url("images/\(image.file)").path])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        let vectors = try #require(try embedded.jsonLines().first?["vectors"] as? [[Double]]).map { $0.map(Float.init) }
        #expect(vectors.count == image.vectors.count)
        for (ours, theirs) in zip(vectors, image.vectors) { #expect(Closeness.cosine(ours, theirs) >= 0.999) }

        let queries = try TemporaryDirectory()
        let file = queries.url.appendingPathComponent("queries.txt")
        try Data((golden.queries.prefix(2).map(\.text).joined(separator: "\n") + "\n").utf8).write(to: file)
        let encoded = try CommandRunner.run(["embed", "--model", model, "--multi-vector", "--texts", file.path])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        for (line, query) in zip(try encoded.jsonLines(), golden.queries) {
            let ours = try #require(line["vectors"] as? [[Double]]).map { $0.map(Float.init) }
            #expect(ours.count == query.vectors.count)
            for (a, b) in zip(ours, query.vectors) { #expect(Closeness.maxAbsDifference(a, b) <= 1e-4) }
        }

        let pooled = try CommandRunner.run(["embed", "--model", model, "--texts", file.path])
        #expect(pooled.status != 0 && pooled.stderr.contains("--multi-vector"), "\(pooled.stderr)")
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
