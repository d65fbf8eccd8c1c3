import EmbeddingTesting
import Foundation
import Testing

/// `multiembed embed` and `similarity` with a SigLIP2 folder, used exactly like a CLIP one.
@Suite struct Siglip2CommandTests {
    let model = Fixtures.url("tiny-siglip2").path
    let images = [Fixtures.url("images/photo-kafka.jpg").path, Fixtures.url("images/tall-40x200.png").path]

    @Test func embedsTextsAndImages() throws {
        let texts = try CommandRunner.run(["embed", "--model", model, "--texts", "-"], stdin: Data("a photo of a cat\n\n".utf8))
        #expect(texts.status == 0, "\(texts.stderr)")
        let lines = try texts.jsonLines()
        #expect(lines.count == 2)
        for line in lines {
            let embedding = EmbedCommandTests.floats(line["embedding"])
            #expect(embedding.count == 32 && abs(embedding.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        }
        let output = try CommandRunner.run(["embed", "--model", model, "--images"] + images)
        #expect(output.status == 0, "\(output.stderr)")
        let imageLines = try output.jsonLines()
        #expect(imageLines.count == 2 && imageLines.allSatisfy { EmbedCommandTests.floats($0["embedding"]).count == 32 })
    }

    /// The JSON holds cosines, the model's logits (exp(ln 10) * cosine - 2.5 for tiny-siglip2)
    /// and their sigmoids; the table shows the probabilities.
    @Test func similarityGivesLogitsAndMatchProbabilities() throws {
        let output = try CommandRunner.run(["similarity", "--model", model, "--text", "a photo", "a diagram", "--json", "--images"] + images)
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let scores = try #require(object["scores"] as? [[Double]])
        let logits = try #require(object["logits"] as? [[Double]])
        let probabilities = try #require(object["probabilities"] as? [[Double]])
        #expect(scores.count == 2 && scores.allSatisfy { $0.count == 2 })
        for row in 0..<2 {
            for column in 0..<2 {
                #expect(abs(logits[row][column] - (10 * scores[row][column] - 2.5)) < 1e-4)
                #expect(abs(probabilities[row][column] - 1 / (1 + exp(-logits[row][column]))) < 1e-5)
            }
        }
        let table = try CommandRunner.run(["similarity", "--model", model, "--text", "a photo", "--images"] + images)
        #expect(table.status == 0 && table.stdout.contains("match probability"), "\(table.stderr)")
    }
}
