import EmbeddingTesting
import Foundation
import Testing

/// Retrieval quality on pages-dev's clean text against its reference figures
/// (Tests/Fixtures/pages-dev/reference.json, from sentence-transformers): dense search must
/// reproduce the pooled figures and MaxSim the MaxSim figures within 0.002 nDCG@10, and hybrid
/// search at a depth of 50 must stay within 0.005 of MaxSim. The whole path is the command line
/// a user runs: `index add` of the .jsonl corpus, then `eval retrieval` in each mode.
@Suite struct PagesDevRetrievalTests {
    let model = Fixtures.defaultModel.path
    let docs = Fixtures.url("pages-dev/docs.jsonl").path
    let queries = Fixtures.url("pages-dev/queries.jsonl").path

    struct Reference: Decodable {
        let pooled: [String: Double]
        let maxsim: [String: Double]
    }

    /// The metrics of `eval retrieval`'s closing line ("queries=200 ndcg@10=0.9186 ...").
    func evaluate(_ data: String, collection: String, _ extra: [String] = []) throws -> [String: Double] {
        let run = try CommandRunner.run(
            ["eval", "retrieval", "--data-dir", data, "--collection", collection, "--model", model, "--queries", queries] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last)
        var metrics: [String: Double] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { metrics[String(parts[0])] = value }
        }
        #expect(metrics["queries"] == 200, "\(line)")
        return metrics
    }

    @Test func denseMaxSimAndHybridSearchMatchTheReference() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("pages-dev/reference.json")))
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "mv", "--model", model, docs])
        #expect(added.status == 0, "\(added.stderr)")
        let dense = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "dense", "--kind", "dense", "--model", model, docs])
        #expect(dense.status == 0, "\(dense.stderr)")

        let maxSim = try evaluate(data, collection: "mv")
        let pooled = try evaluate(data, collection: "mv", ["--mode", "dense"])
        let denseCollection = try evaluate(data, collection: "dense")
        let hybrid = try evaluate(data, collection: "mv", ["--mode", "hybrid", "--candidates", "50"])

        for metric in ["ndcg@10", "mrr@10"] {
            #expect(abs(maxSim[metric, default: 0] - reference.maxsim[metric, default: -1]) <= 0.002, "\(metric) \(maxSim)")
            #expect(abs(pooled[metric, default: 0] - reference.pooled[metric, default: -1]) <= 0.002, "\(metric) \(pooled)")
        }
        for metric in ["recall@1", "recall@10"] {
            #expect(abs(maxSim[metric, default: 0] - reference.maxsim[metric, default: -1]) <= 0.0051, "\(metric) \(maxSim)")
            #expect(abs(pooled[metric, default: 0] - reference.pooled[metric, default: -1]) <= 0.0051, "\(metric) \(pooled)")
        }
        // A dense collection holds the same pooled vectors as the multi-vector one's.
        #expect(denseCollection == pooled)
        #expect(abs(hybrid["ndcg@10", default: 0] - maxSim["ndcg@10", default: -1]) <= 0.005, "\(hybrid)")
    }

    @Test func searchFiltersOnMetadataAndNamesTheMode() throws {
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        let corpus = folder.url.appendingPathComponent("corpus.jsonl")
        try Data(#"""
        {"id": "rain", "text": "heavy rain is expected across the north tomorrow"}
        {"id": "sun", "text": "a sunny and dry weekend for most of the country"}
        {"id": "goal", "text": "the striker scored twice in the second half"}
        """#.utf8).write(to: corpus)
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "c", "--model", model, corpus.path])
        #expect(added.status == 0, "\(added.stderr)")
        for mode in ["maxsim", "dense", "hybrid"] {
            let all = try CommandRunner.run(
                ["search", "--data-dir", data, "--collection", "c", "--model", model, "--mode", mode, "will it rain tomorrow"])
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stdout.split(separator: "\n").first?.split(separator: "\t").dropFirst(2).first == "rain", "\(mode): \(all.stdout)")
            let sport = try CommandRunner.run(
                ["search", "--data-dir", data, "--collection", "c", "--model", model, "--mode", mode,
                 "--where", "text=the striker scored twice in the second half", "will it rain tomorrow"])
            #expect(sport.stdout.split(separator: "\n").map { $0.split(separator: "\t")[2] } == ["goal"], "\(mode): \(sport.stdout)")
        }
        let bad = try CommandRunner.run(["search", "--data-dir", data, "--collection", "c", "--model", model, "--where", "novalue", "q"])
        #expect(bad.status != 0 && !bad.crashed)
        #expect(bad.stderr.contains("KEY=VALUE"), "\(bad.stderr)")
    }
}
