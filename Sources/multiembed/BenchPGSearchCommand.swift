import ArgumentParser
import Foundation
import LateInteraction
import PostgresStore

/// `multiembed bench pg-search`: the PostgreSQL store's search on a topical corpus
/// (``TopicalCorpus``: every vector a noisy copy of one of 256 topic directions, each document
/// drawing on 4 topics, each query on 3), beside the local store's at the same size: load time,
/// index build time, and per depth and re-scoring place the recall@10 against exact MaxSim and the
/// p50/p99 latency of a query. Not a timed test: a benchmark to run by hand (README.md of
/// Sources/PostgresStore).
struct BenchPGSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-search",
        abstract: "PostgreSQL + pgvector search vs exact MaxSim: load and index time, recall@10, p50_ms and p99_ms per depth.")

    @Option(name: .long, help: "The PostgreSQL store (scripts/start-postgres prints its URL).")
    var store: String

    @Option(name: .long, help: "Documents in the corpus.")
    var docs = 10_000

    @Option(name: .long, help: "Mean vectors per document (half to one and a half times).")
    var vectors = 32

    @Option(name: .long, help: "Vectors per query.")
    var queryVectors = 32

    @Option(name: .long, help: "Vector width.")
    var dim = 128

    @Option(name: .long, help: "Queries timed (after one to warm up).")
    var queries = 50

    @Option(name: .long, help: "Storage precision: float32 or float16.")
    var precision = "float32"

    @Option(name: .long, parsing: .upToNextOption, help: "Depths to measure, each PROBES:CANDIDATES (a probe takes 8 nearest token vectors per query vector).")
    var depths: [String] = ["1:64", "2:128", "4:256", "8:256"]

    @Flag(name: .long, help: "Keep a loaded collection of the same size and reuse it (no load).")
    var reuse = false

    @Option(name: .long, help: "Documents per upsert while loading.")
    var batch = 500

    func run() throws {
        guard docs > 0, vectors > 0, queryVectors > 0, dim > 0, queries > 0, batch > 0 else {
            throw ValidationError("--docs, --vectors, --query-vectors, --dim, --queries and --batch must be positive")
        }
        guard let storage = StoragePrecision(rawValue: precision) else { throw ValidationError("unknown --precision \(precision)") }
        let parsed = try depths.map { text -> CentroidIndex.Depth in
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("--depths takes PROBES:CANDIDATES, got '\(text)'") }
            return CentroidIndex.Depth(probes: parts[0], candidates: parts[1])
        }
        do {
            let corpus = TopicalCorpus(documents: docs, vectors: vectors, queries: queries + 1, queryVectors: queryVectors, dimension: dim)
            let ids = (0 ..< docs).map { "d\($0)" }
            let totalVectors = corpus.documents.reduce(0) { $0 + $1.count }
            print("cpu=\(cpuDescription()) docs=\(docs) vectors=\(totalVectors) dim=\(dim) precision=\(storage.rawValue) queries=\(queries)x\(queryVectors)")

            let stores = try PostgresVectorStore.Rescoring.allCases.map { try PostgresVectorStore(url: store, options: .init(rescoring: $0)) }
            let name = "bench-pg-\(docs)-\(vectors)-\(dim)-\(storage.rawValue)"
            try load(corpus, ids: ids, into: stores[0], name: name, precision: storage)

            // Exact truth in memory, by the kernels: what every depth is held to.
            let encoded = try EncodedCorpus(corpus.documents, dimension: dim, precision: storage)
            let timed = Array(corpus.queries.dropFirst())
            var truth: [[String]] = []
            var exactTimes: [Double] = []
            for query in timed {
                let start = ContinuousClock.now
                truth.append(try MaxSim.search(query, encoded.view, k: 10).map { ids[$0.index] })
                exactTimes.append(secondsSince(start))
            }
            report("local exact (in memory)", exactTimes, recall: 1)
            let centroidStart = ContinuousClock.now
            let centroids = CentroidIndex(training: encoded.view, options: .init())
            print(String(format: "local centroid index: build_s=%.1f centroids=%d", secondsSince(centroidStart), centroids.centroidCount))
            for depth in parsed {
                var times: [Double] = [], found = 0
                for (query, expected) in zip(timed, truth) {
                    let start = ContinuousClock.now
                    let candidates = centroids.candidates(for: query, depth: depth)
                    let hits = candidates.isEmpty ? [] : try MaxSim.search(query, encoded.view, k: 10, indices: candidates)
                    times.append(secondsSince(start))
                    found += Set(expected).intersection(hits.map { ids[$0.index] }).count
                }
                report("local indexed probes=\(depth.probes) candidates=\(depth.candidates)", times, recall: Double(found) / Double(truth.count * 10))
            }
            for pgStore in stores {
                _ = try pgStore.searchIndexed(corpus.queries[0], in: name, topK: 10, filter: .none, depth: parsed[0])
                for depth in parsed {
                    var times: [Double] = [], found = 0
                    for (query, expected) in zip(timed, truth) {
                        let start = ContinuousClock.now
                        let hits = try pgStore.searchIndexed(query, in: name, topK: 10, filter: .none, depth: depth)
                        times.append(secondsSince(start))
                        found += Set(expected).intersection(hits.map(\.id)).count
                    }
                    report(
                        "postgres indexed rescoring=\(pgStore.options.rescoring.rawValue) probes=\(depth.probes) candidates=\(depth.candidates)",
                        times, recall: Double(found) / Double(truth.count * 10))
                }
            }
            // Exact search through the store: every token row read per query (a few queries only).
            var exactPG: [Double] = []
            for query in timed.prefix(3) {
                let start = ContinuousClock.now
                _ = try stores[0].search(query, in: name, topK: 10, filter: .none, options: .init())
                exactPG.append(secondsSince(start))
            }
            report("postgres exact (all rows, 3 queries)", exactPG, recall: 1)
            if !reuse { try stores[0].drop(name) }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// Loads the corpus (unless `--reuse` finds it loaded): upserts without the HNSW index, then
    /// one index build, each timed.
    private func load(_ corpus: TopicalCorpus, ids: [String], into store: PostgresVectorStore, name: String, precision: StoragePrecision) throws {
        if reuse, (try? store.documentCount(in: name)) == docs {
            print("load: reusing collection \(name)")
            return
        }
        try? store.drop(name)
        try store.create(CollectionSpec(name: name, dimension: dim, precision: precision))
        try store.dropIndex(of: name)
        let start = ContinuousClock.now
        var next = 0
        while next < docs {
            let range = next ..< min(next + batch, docs)
            try store.put(range.map { StoredDocument(id: ids[$0], vectors: corpus.documents[$0], metadata: ["n": "\($0)"]) }, into: name)
            next = range.upperBound
        }
        let loadSeconds = secondsSince(start)
        let indexStart = ContinuousClock.now
        try store.buildIndex(of: name)
        print(String(format: "load: upsert_s=%.1f docs_per_s=%.0f index_build_s=%.1f", loadSeconds, Double(docs) / loadSeconds, secondsSince(indexStart)))
    }

    private func report(_ label: String, _ seconds: [Double], recall: Double) {
        let sorted = seconds.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] * 1000 }
        print(String(format: "%@: recall@10=%.3f p50_ms=%.1f p99_ms=%.1f", label, recall, percentile(0.5), percentile(0.99)))
    }
}
