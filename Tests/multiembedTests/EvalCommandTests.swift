import EmbeddingTesting
import Foundation
import Testing

/// `multiembed eval retrieval` end to end: index passages, then judge queries against them.
@Suite struct EvalCommandTests {
    let model = Fixtures.defaultModel.path
    let passages = [
        "the cat sat on the warm windowsill all afternoon",
        "interest rates rose again as inflation stayed high",
        "the striker scored twice in the second half",
        "heavy rain is expected across the north tomorrow",
        "a new vaccine trial enrolled three thousand patients",
    ]

    /// With a plain (non-ColBERT) model, a query equal to a passage gets the passage's own token
    /// vectors, so each of its vectors finds a perfect match there: that passage must rank
    /// first and every metric must be 1.
    @Test func aPassageQueriedWithItselfScoresPerfectly() throws {
        let folder = try TemporaryDirectory()
        let corpus = folder.url.appendingPathComponent("passages.txt")
        try Data(passages.joined(separator: "\n").utf8).write(to: corpus)
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, corpus.path])
        #expect(added.status == 0, "\(added.stderr)")

        // Ids are path:line, as `index add` assigns them to text files.
        let queries = passages.enumerated().map { index, text in
            #"{"id": "q\#(index)", "query": \#(json(text)), "relevant": [\#(json("\(corpus.path):\(index + 1)"))]}"#
        }
        let file = folder.url.appendingPathComponent("queries.jsonl")
        try Data(queries.joined(separator: "\n").utf8).write(to: file)
        let output = try CommandRunner.run(["eval", "retrieval", "--data-dir", data, "--collection", "p", "--model", model, "--queries", file.path, "--per-query"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == passages.count + 1)
        #expect(lines.last == "queries=5 ndcg@10=1.0000 recall@1=1.0000 recall@10=1.0000 mrr@10=1.0000 mode=maxsim")
    }

    @Test func badQueryFilesNameTheLine() throws {
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        for (content, complaint) in [
            (#"{"query": "fine", "relevant": ["a"]}"# + "\n" + #"{"query": "", "relevant": ["a"]}"#, ":2: \"query\" (or \"text\") must be a non-empty string"),
            (#"{"query": "q", "relevant": "a"}"#, ":1: \"relevant\" must be a list"),
            (#"{"query": "q", "relevant": {"a": 1.5}}"#, ":1: the grade of \"a\" must be an integer"),
            ("not json", ":1: not a JSON object"),
        ] {
            let file = folder.url.appendingPathComponent("queries.jsonl")
            try Data(content.utf8).write(to: file)
            let output = try CommandRunner.run(["eval", "retrieval", "--data-dir", data, "--collection", "p", "--model", model, "--queries", file.path])
            #expect(output.status != 0 && !output.crashed)
            #expect(output.stderr.contains(file.path + complaint), "\(output.stderr)")
        }
    }

    private func json(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
    }
}
