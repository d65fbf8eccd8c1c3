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

/// Ids as corpora give them: `index add` takes a `.jsonl` object's `"id"`, and `eval retrieval`
/// reads judged queries whose text is under `"text"` as well as `"query"`.
@Suite struct IndexIdsTests {
    let model = Fixtures.defaultModel.path

    @Test func jsonLinesIdsNameTheDocumentsAndJudgedQueriesMayUseText() throws {
        let folder = try TemporaryDirectory()
        let corpus = folder.url.appendingPathComponent("corpus.jsonl")
        let lines = [
            #"{"id": "doc-cat", "text": "the cat sat on the warm windowsill all afternoon"}"#,
            #"{"id": 42, "text": "interest rates rose again as inflation stayed high"}"#,
            "",
            #"{"text": "the striker scored twice in the second half"}"#,
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: corpus)
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "c", "--model", model, corpus.path])
        #expect(added.status == 0, "\(added.stderr)")

        let queries = [
            #"{"text": "the cat sat on the warm windowsill all afternoon", "relevant": ["doc-cat"]}"#,
            #"{"query": "interest rates rose again as inflation stayed high", "relevant": ["42"]}"#,
            #"{"text": "the striker scored twice in the second half", "relevant": ["\#(corpus.path):4"]}"#,
        ]
        let file = folder.url.appendingPathComponent("queries.jsonl")
        try Data(queries.joined(separator: "\n").utf8).write(to: file)
        let output = try CommandRunner.run(
            ["eval", "retrieval", "--data-dir", data, "--collection", "c", "--model", model, "--queries", file.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("queries=3 ndcg@10=1.0000 recall@1=1.0000"), "\(output.stdout)")
    }

    @Test func anIdThatIsNeitherAStringNorAnIntegerNamesTheLine() throws {
        let folder = try TemporaryDirectory()
        let corpus = folder.url.appendingPathComponent("corpus.jsonl")
        try Data(#"{"id": "a", "text": "fine"}"#.utf8 + Data("\n".utf8) + Data(#"{"id": [1], "text": "bad"}"#.utf8)).write(to: corpus)
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "c", "--model", model, corpus.path])
        #expect(added.status != 0 && !added.crashed)
        #expect(added.stderr.contains("line 2: \"id\" must be a non-empty string or an integer"), "\(added.stderr)")
    }
}
