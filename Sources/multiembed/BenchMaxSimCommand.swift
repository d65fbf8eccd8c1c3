import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation
import LateInteraction

/// `multiembed bench maxsim`: late-interaction search speed on a random corpus, shaped like
/// ../shared/bench/peer_maxsim.py (colpali-engine's einsum in PyTorch) so the two compare side by
/// side. Vectors are random and L2-normalised: the cost does not depend on their values.
struct BenchMaxSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maxsim",
        abstract: "MaxSim top-10 search speed: prints docs=D seconds_per_query=S docs_per_s=R (and the MaxSim and BLAS kernels in use).")

    @Option(name: .long, help: "Documents in the corpus.")
    var docs = 1000

    @Option(name: .long, help: "Vectors per document (1030 = a ColPali page).")
    var vectors = 1030

    @Option(name: .long, help: "Vectors per query.")
    var queryVectors = 20

    @Option(name: .long, help: "Vector width.")
    var dim = 128

    @Option(name: .long, help: "Timed queries (after one warm-up query).")
    var queries = 4

    @Option(name: .long, help: "Storage precision: float32, float16, int8 or binary (Hamming pass + float16 re-scoring).")
    var precision = "float32"

    @Option(name: .long, help: "Binary only: Hamming-pass candidates re-scored in float16 (default max(100, 10k)).")
    var rescore: Int?

    @Option(name: .long, help: "Quality mode: a model folder whose token vectors are embedded from --texts (no timing).")
    var model: String?

    @Option(name: .long, help: "Quality mode: one document per line (e.g. samples/visual-document-retrieval/texts-1024.txt).")
    var texts: String?

    func run() throws {
        warnIfBLASIsPinned()
        if let model {
            guard let texts else { throw ValidationError("--model needs --texts") }
            return try MaxSimQuality(model: model, texts: texts, queries: max(queries, 1) == 4 ? 200 : queries).run()
        }
        guard docs > 0, vectors > 0, queryVectors > 0, dim > 0, queries > 0 else {
            throw ValidationError("--docs, --vectors, --query-vectors, --dim and --queries must be positive")
        }
        guard let storage = StoragePrecision(rawValue: precision) else {
            throw ValidationError("unknown --precision \(precision); known: \(StoragePrecision.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var generator = SplitMix64(state: 0)
        do {
            let corpus = try EncodedCorpus(
                (0 ..< docs).map { _ in try randomUnitVectors(vectors, using: &generator) }, dimension: dim, precision: storage)
            let queryList = try (0 ... queries).map { _ in try randomUnitVectors(queryVectors, using: &generator) }
            let options = MaxSim.SearchOptions(rescoreCandidates: rescore)
            _ = try MaxSim.search(queryList[0], corpus.view, k: 10, options: options)
            let start = ContinuousClock.now
            for query in queryList.dropFirst() { _ = try MaxSim.search(query, corpus.view, k: 10, options: options) }
            let perQuery = secondsSince(start) / Double(queries)
            let runtime = BLASRuntime.current()
            print(String(
                format: "docs=%d seconds_per_query=%.4f docs_per_s=%.0f vectors=%d query_vectors=%d dim=%d precision=%@ maxsim_kernels=%@ %@",
                docs, perQuery, Double(docs) / perQuery, vectors, queryVectors, dim, storage.rawValue, MaxSim.kernelName,
                runtime.description))
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    private func randomUnitVectors(_ count: Int, using generator: inout SplitMix64) throws -> MultiVector {
        // A local copy: reading the @Option property per element went through ArgumentParser's
        // generic wrapper and made building the corpus take longer than the benchmark.
        let dim = dim
        var values = [Float](repeating: 0, count: count * dim)
        for row in 0 ..< count {
            var squares: Float = 0
            for i in 0 ..< dim {
                let value = generator.signed() + generator.signed() + generator.signed()
                values[row * dim + i] = value
                squares += value * value
            }
            let inverse = 1 / max(squares.squareRoot(), 1e-12)
            for i in 0 ..< dim { values[row * dim + i] *= inverse }
        }
        return try MultiVector(dimension: dim, values: values)
    }
}
