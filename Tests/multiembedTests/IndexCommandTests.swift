import EmbeddingTesting
import Foundation
import Testing

/// `multiembed index add` records the model a collection was made with, so `multiembed serve`
/// can embed queries and documents for it.
@Suite struct IndexCommandTests {
    let model = Fixtures.defaultModel.path

    /// The collection's settings file as JSON.
    func settings(_ data: String, _ collection: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: data).appendingPathComponent(collection).appendingPathComponent("collection.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func addRecordsTheModelAndStillAddsToCollectionsMadeWithoutOne() throws {
        let folder = try TemporaryDirectory()
        let texts = folder.url.appendingPathComponent("texts.txt")
        try Data("the cat sat on the mat\nrain is expected tomorrow".utf8).write(to: texts)
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, texts.path])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try settings(data, "p")["model"] as? String == "all-MiniLM-L6-v2")

        // A collection.json written before the model was recorded: adding to it still works.
        var legacy = try settings(data, "p")
        legacy["model"] = nil
        let url = URL(fileURLWithPath: data).appendingPathComponent("p/collection.json")
        try JSONSerialization.data(withJSONObject: legacy).write(to: url)
        let again = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, texts.path])
        #expect(again.status == 0, "\(again.stderr)")

        // Other settings that differ are still refused.
        let other = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, "--precision", "int8", texts.path])
        #expect(other.status != 0 && !other.crashed)
        #expect(other.stderr.contains("already exists"), "\(other.stderr)")
    }
}
