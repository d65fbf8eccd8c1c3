import ArgumentParser
import Foundation
import LateInteraction

/// `multiembed eval`: measure retrieval quality.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure retrieval quality.", subcommands: [EvalRetrieval.self])
}

/// `multiembed eval retrieval`: runs judged queries against a collection and reports the
/// metrics of ViDoRe and BEIR (nDCG@10, recall@1, recall@10, MRR@10; see ``RetrievalMetrics``).
///
/// The queries file is JSON Lines, one judged query per line:
/// `{"query": "text", "relevant": ["id", ...]}` (each listed id has grade 1), or with graded
/// relevance `{"query": "text", "relevant": {"id": 2, "other": 1}}`. An optional `"id"` names
/// the query in `--per-query` output.
struct EvalRetrieval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval", abstract: "nDCG@10, recall@1/@10 and MRR@10 of judged queries against a collection.")

    @OptionGroup var options: CollectionOptions
    @OptionGroup var search: SearchOptions

    @Option(name: .long, help: "Model folder (the one the collection was indexed with).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "JSON Lines of judged queries: {\"query\": ..., \"relevant\": [ids] or {id: grade}}.")
    var queries: String

    @Flag(name: .long, help: "Also print each query's metrics, one JSON object per line.")
    var perQuery = false

    /// How deep each search goes: the metrics look at the first 10.
    static let depth = 10

    func run() throws {
        warnIfBLASIsPinned()
        let judged = try JudgedQuery.read(queries)
        let bundle = try loadModel(model, compute: computeOptions.compute)
        let store = try options.openStore()
        let needs: (mode: CollectionQuery.Mode, tokens: Bool, pooled: Bool)
        do { needs = search.needs(for: try store.spec(of: options.collection).kind) } catch { throw CommandFailure("\(error)") }
        let progress = ProgressBar(total: judged.count, label: "queries", minimumTotal: 64)
        var results: [RetrievalMetrics] = []
        var skipped = 0
        do {
            // Embedding queries in batches keeps the model's GEMMs large; searches go one by one.
            let batchSize = 32
            for start in stride(from: 0, to: judged.count, by: batchSize) {
                let batch = Array(judged[start ..< min(start + batchSize, judged.count)])
                let vectors = try textSearchVectors(bundle, batch.map(\.text), side: .query, tokens: needs.tokens, pooled: needs.pooled)
                for (query, vector) in zip(batch, vectors) {
                    let hits = try store.search(
                        try search.query(tokens: vector.tokens, pooled: vector.pooled, topK: Self.depth), in: options.collection)
                    guard let metrics = RetrievalMetrics(ranking: hits.map(\.id), relevance: query.relevance) else {
                        skipped += 1
                        continue
                    }
                    results.append(metrics)
                    if perQuery { print(Self.json(metrics, name: query.name)) }
                }
                progress.update(start + batch.count)
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(error)")
        }
        progress.finish()
        if skipped > 0 { printError("note: \(skipped) queries have no relevant id and are left out of the means") }
        let mean = RetrievalMetrics.mean(results)
        print(String(
            format: "queries=%d ndcg@10=%.4f recall@1=%.4f recall@10=%.4f mrr@10=%.4f mode=%@",
            results.count, mean.ndcgAt10, mean.recallAt1, mean.recallAt10, mean.mrrAt10, needs.mode.rawValue))
    }

    private static func json(_ metrics: RetrievalMetrics, name: String) -> String {
        String(
            format: "{\"query\": %@, \"ndcg@10\": %.6f, \"recall@1\": %.6f, \"recall@10\": %.6f, \"mrr@10\": %.6f}",
            jsonString(name), metrics.ndcgAt10, metrics.recallAt1, metrics.recallAt10, metrics.mrrAt10)
    }
}

/// One line of the queries file.
struct JudgedQuery {
    var name: String
    var text: String
    var relevance: [String: Int]

    /// Reads and checks the whole file first, so a typo on line 900 fails before any search.
    static func read(_ path: String) throws -> [JudgedQuery] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("\(path): cannot read the queries file") }
        var queries: [JudgedQuery] = []
        for (offset, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            queries.append(try parse(trimmed, where: "\(path):\(offset + 1)"))
        }
        guard !queries.isEmpty else { throw CommandFailure("\(path): no queries") }
        return queries
    }

    static func parse(_ line: String, where location: String) throws -> JudgedQuery {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw CommandFailure("\(location): not a JSON object")
        }
        // "query" as ViDoRe and BEIR's converters write it, or "text" as many judged-query files do.
        guard let text = (object["query"] ?? object["text"]) as? String,
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw CommandFailure("\(location): \"query\" (or \"text\") must be a non-empty string")
        }
        var relevance: [String: Int] = [:]
        switch object["relevant"] {
        case let ids as [Any]:
            for id in ids {
                guard let id = id as? String else { throw CommandFailure("\(location): \"relevant\" ids must be strings") }
                relevance[id] = 1
            }
        case let grades as [String: Any]:
            for (id, grade) in grades {
                // JSONSerialization gives NSNumber; a fractional grade is a typo.
                guard let number = grade as? NSNumber, let value = Int(exactly: number.doubleValue)
                else { throw CommandFailure("\(location): the grade of \"\(id)\" must be an integer") }
                relevance[id] = value
            }
        default:
            throw CommandFailure("\(location): \"relevant\" must be a list of ids or an object of id: grade")
        }
        let name = (object["id"] as? String) ?? location
        return JudgedQuery(name: name, text: text, relevance: relevance)
    }
}
