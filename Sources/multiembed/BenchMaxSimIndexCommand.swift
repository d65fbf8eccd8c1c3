import ArgumentParser
import EmbeddingKernels
import Foundation
import LateInteraction

/// `multiembed bench maxsim-index`: indexed MaxSim search (``CentroidIndex`` candidates, then
/// exact MaxSim on them) against exact search, on a topical corpus (``TopicalCorpus``): the time
/// a query takes each way, the speed-up, and how much of the exact top 10 the index finds.
struct BenchMaxSimIndex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maxsim-index",
        abstract: "Indexed vs exact MaxSim top-10: prints build time, seconds per query each way, speed-up and recall@10 per depth.")

    @Option(name: .long, help: "Documents in the corpus.")
    var docs = 20_000

    @Option(name: .long, help: "Mean vectors per document.")
    var vectors = 64

    @Option(name: .long, help: "Vectors per query.")
    var queryVectors = 20

    @Option(name: .long, help: "Vector width.")
    var dim = 128

    @Option(name: .long, help: "Queries (recall is their mean; the first also warms up).")
    var queries = 20

    @Option(name: .long, help: "Centroids (default: CentroidIndex's automatic count).")
    var centroids: Int?

    @Option(name: .long, parsing: .upToNextOption, help: "Depths to measure, each PROBES:CANDIDATES.")
    var depths: [String] = ["2:64", "4:128", "8:256", "16:512"]

    func run() throws {
        warnIfBLASIsPinned()
        guard docs > 0, vectors > 0, queryVectors > 0, dim > 0, queries > 0 else {
            throw ValidationError("--docs, --vectors, --query-vectors, --dim and --queries must be positive")
        }
        let parsed = try depths.map { text -> CentroidIndex.Depth in
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("--depths takes PROBES:CANDIDATES, got '\(text)'") }
            return CentroidIndex.Depth(probes: parts[0], candidates: parts[1])
        }
        do {
            let corpus = TopicalCorpus(documents: docs, vectors: vectors, queries: queries + 1, queryVectors: queryVectors, dimension: dim)
            let encoded = try EncodedCorpus(corpus.documents, dimension: dim, precision: .float32)
            let buildStart = ContinuousClock.now
            let index = CentroidIndex(training: encoded.view, options: .init(centroids: centroids))
            let buildSeconds = secondsSince(buildStart)
            let totalVectors = encoded.view.slots.reduce(0) { $0 + $1.count }
            print(String(format: "docs=%d vectors=%d dim=%d centroids=%d build_seconds=%.2f", docs, totalVectors, dim, index.centroidCount, buildSeconds))
            _ = try MaxSim.search(corpus.queries[0], encoded.view, k: 10)
            let timed = Array(corpus.queries.dropFirst())
            var exact: [[Int]] = []
            let exactStart = ContinuousClock.now
            for query in timed { exact.append(try MaxSim.search(query, encoded.view, k: 10).map(\.index)) }
            let exactPerQuery = secondsSince(exactStart) / Double(timed.count)
            print(String(format: "exact seconds_per_query=%.4f", exactPerQuery))
            for depth in parsed {
                var found = 0
                let start = ContinuousClock.now
                for (query, truth) in zip(timed, exact) {
                    let candidates = index.candidates(for: query, depth: depth)
                    let hits = candidates.isEmpty ? [] : try MaxSim.search(query, encoded.view, k: 10, indices: candidates)
                    found += Set(truth).intersection(hits.map(\.index)).count
                }
                let perQuery = secondsSince(start) / Double(timed.count)
                print(String(
                    format: "indexed probes=%d candidates=%d seconds_per_query=%.4f speedup=%.1fx recall_at_10=%.3f",
                    depth.probes, depth.candidates, perQuery, exactPerQuery / perQuery,
                    Double(found) / Double(exact.reduce(0) { $0 + $1.count })))
            }
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
