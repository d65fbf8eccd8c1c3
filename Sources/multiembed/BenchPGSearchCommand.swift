import ArgumentParser
import Foundation
import LateInteraction
import PostgresStore

/// `multiembed bench pg-search`: the PostgreSQL store's search on a topical corpus
/// (``TopicalCorpus``: every vector a noisy copy of one of 256 topic directions, each document
/// drawing on 4 topics, each query on 3), beside the local store's at the same size: load time,
/// index build time, and per depth and re-scoring place the recall@10 against exact MaxSim and the
/// p50/p99 latency of a query (at each number of connections the graph searches are spread over), the
/// collection's sizes in PostgreSQL and the load average at each step. Not a timed test: a benchmark to run by hand (README.md of
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

    @Option(name: .long, parsing: .upToNextOption, help: "Depths to measure, each PROBES:CANDIDATES (a probe takes 8 nearest token vectors per query vector, more in large collections: PostgresVectorStore.Options.vectorsPerProbeToken).")
    var depths: [String] = ["1:64", "2:128", "4:256", "8:256"]

    @Flag(name: .long, help: "Keep a loaded collection of the same size and reuse it (no load).")
    var reuse = false

    @Option(name: .long, help: "Documents per upsert while loading.")
    var batch = 500

    @Option(name: .long, parsing: .upToNextOption, help: "Connections the HNSW graph searches of one query are spread over, each measured.")
    var connections: [Int] = [1, 2]

    @Option(name: .long, help: "A probe takes one more token vector per this many token vectors of the collection (0: a fixed 8; default: the store's).")
    var vectorsPerProbeToken = PostgresVectorStore.Options().vectorsPerProbeToken

    @Flag(name: .long, help: "Also measure re-scoring in SQL (slow: seconds a query at 100,000 documents).")
    var sqlRescoring = false

    @Option(name: .long, help: "Exact searches through PostgreSQL timed (each reads every token row).")
    var exactQueries = 3

    @Option(name: .long, help: "maintenance_work_mem for the HNSW build (the graph should fit: about 1 KB a 128-dimension vector).")
    var maintenanceMemory = "1GB"

    @Option(name: .long, help: "Parallel maintenance workers beside the leader for the HNSW build (PostgreSQL's default when absent).")
    var buildWorkers: Int?

    func run() throws {
        guard docs > 0, vectors > 0, queryVectors > 0, dim > 0, queries > 0, batch > 0, connections.allSatisfy({ $0 > 0 }), exactQueries >= 0, vectorsPerProbeToken >= 0 else {
            throw ValidationError("--docs, --vectors, --query-vectors, --dim, --queries, --batch and --connections must be positive, --exact-queries and --vectors-per-probe-token not negative")
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

            var stores = try connections.map { try PostgresVectorStore(url: store, options: .init(rescoring: .multiEmbed, vectorsPerProbeToken: vectorsPerProbeToken, searchConnections: $0)) }
            if sqlRescoring { stores.append(try PostgresVectorStore(url: store, options: .init(rescoring: .sql, vectorsPerProbeToken: vectorsPerProbeToken))) }
            let name = "bench-pg-\(docs)-\(vectors)-\(dim)-\(storage.rawValue)"
            try load(corpus, ids: ids, into: stores[0], name: name, precision: storage)
            let sizes = try stores[0].storageSizes(of: name)
            func mib(_ bytes: Int) -> String { String(format: "%.0f", Double(bytes) / 1_048_576) }
            print(
                "postgres sizes: tokens_mib=\(mib(sizes.tokens)) hnsw_index_mib=\(mib(sizes.index)) tokens_pkey_mib=\(mib(sizes.tokensKey)) "
                    + "documents_mib=\(mib(sizes.documents)) shared_buffers=\(try stores[0].setting("shared_buffers")) load=\(loadAverage())")

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
            print(String(
                format: "local centroid index: build_s=%.1f centroids=%d index_resident_mib=%.0f vectors_mib=%.0f load=%@",
                secondsSince(centroidStart), centroids.centroidCount, Double(centroids.residentBytes) / 1_048_576,
                Double(totalVectors * dim * (storage == .float16 ? 2 : 4)) / 1_048_576, loadAverage()))
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
                        "postgres indexed rescoring=\(pgStore.options.rescoring.rawValue) connections=\(pgStore.options.searchConnections) "
                            + "probes=\(depth.probes) tokens_per_query_vector=\(try pgStore.tokensPerQueryVector(in: name, probes: depth.probes)) "
                            + "candidates=\(depth.candidates)",
                        times, recall: Double(found) / Double(truth.count * 10))
                }
            }
            // Exact search through the store: every token row read per query (a few queries only).
            var exactPG: [Double] = []
            for query in timed.prefix(exactQueries) {
                let start = ContinuousClock.now
                _ = try stores[0].search(query, in: name, topK: 10, filter: .none, options: .init())
                exactPG.append(secondsSince(start))
            }
            if exactQueries > 0 { report("postgres exact (all rows, \(exactQueries) queries)", exactPG, recall: 1) }
            let memory = memoryStatus()
            print(String(format: "memory: bench vm_rss_mib=%.0f vm_hwm_mib=%.0f load_at_end=%@", memory.rss, memory.hwm, loadAverage()))
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
        let loadAtBuild = loadAverage()
        try store.buildIndex(of: name, maintenanceMemory: maintenanceMemory, workers: buildWorkers)
        print(String(
            format: "load: upsert_s=%.1f docs_per_s=%.0f vectors_per_s=%.0f load=%@ index_build_s=%.1f load=%@", loadSeconds,
            Double(docs) / loadSeconds, Double(corpus.documents.reduce(0) { $0 + $1.count }) / loadSeconds, loadAtBuild,
            secondsSince(indexStart), loadAverage()))
    }

    private func report(_ label: String, _ seconds: [Double], recall: Double) {
        let sorted = seconds.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] * 1000 }
        print(String(format: "%@: recall@10=%.3f p50_ms=%.1f p99_ms=%.1f", label, recall, percentile(0.5), percentile(0.99)))
    }
}
