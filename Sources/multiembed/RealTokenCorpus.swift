import EmbeddingKernels
import Encoders
import Foundation
import LateInteraction

/// Real token vectors grown to any number of documents, for `bench search --real` (issue 19:
/// "the default model's vectors ... repeated with noise to the same size").
///
/// **Sources.** The document-side token vectors of every text of `pages/docs.jsonl` (pages-dev:
/// 200 man-page descriptions, real English, ~90 tokens each) and of `texts` (the shared
/// benchmark's 1,024 lines, word salad over a small technical vocabulary): 1,224 texts, 63,854
/// token vectors with all-MiniLM-L6-v2. **Queries** are the query-side vectors of `pages/queries.jsonl` (200
/// real questions about the man pages, 3-12 tokens), so a query's best documents are those that
/// hold the passages it asks about, as in a real collection.
///
/// **Documents.** Document `i` is `windows` windows of consecutive token vectors (32 / 4 = 8
/// each by default), each window from a source text and a start drawn from `i`. Why several short
/// windows, not two halves of two texts (the first design): with ~1,000 sources, a million
/// two-half documents repeat every pair of texts ~1 time in 600 and every text ~2,000 times, so
/// exact MaxSim's top 10 was chosen among near-copies of the same two passages by the noise
/// alone, and recall against exact measured tie-breaking. With four 8-vector windows there are
/// ~55,000 windows and ~10^19 combinations: no two documents share their windows, a window
/// recurs in ~70 of a million documents (as a sentence recurs in a crawl), and a document ranks high
/// when several of its windows answer the query, so the exact top 10 is decided by content.
///
/// **Noise.** Every coordinate moves by a uniform amount in `[-noise, noise]`, then the vector is
/// renormalised, so a copy keeps cosine `1 / sqrt(1 + d noise^2 / 3)` with its source. The
/// default noise is measured, not picked: the median cosine `m` between a source token vector
/// and its nearest other token vector is computed at start (0.919 for all-MiniLM-L6-v2), and the
/// noise puts a copy half way from its source to there (cosine `(1 + m) / 2`, noise 0.026):
/// every copy stays nearer its own token than any other real token vector is, so the model's
/// geometry is kept, and repeated windows still differ as the same sentence in two documents
/// would. What it measures: the index's recall and speed on the geometry of real token vectors
/// (their clustering, neighbour distances and the query/document asymmetry), at a size and a
/// repetition the sources alone cannot give; not relevance (the texts are too few for that).
struct RealTokenCorpus: BenchCorpus {
    let name: String
    let dimension: Int
    /// Each source text's token vectors, row-major.
    private let sources: [[Float]]
    private let queries: [MultiVector]
    private let vectors: Int
    private let windows: Int
    let noise: Float

    init(model: String, pages: String, texts path: String, vectors: Int, windows: Int, noise: Float?) throws {
        guard windows > 0, windows <= vectors else { throw CommandFailure("--windows must be in 1...--vectors, got \(windows)") }
        let bundle = try loadModel(model)
        let pageTexts = try Self.jsonLinesTexts(pages + "/docs.jsonl")
        let questions = try Self.jsonLinesTexts(pages + "/queries.jsonl")
        let lines = try readTexts(path)
        let documents = try textMultiVectors(bundle, pageTexts + lines, side: .document)
        queries = try textMultiVectors(bundle, questions, side: .query)
        dimension = documents[0].dimension
        sources = documents.map(\.values)
        self.vectors = vectors
        self.windows = windows
        let total = sources.reduce(0) { $0 + $1.count } / dimension
        let median = Self.medianNeighbourCosine(sources, dimension: dimension)
        let chosen = noise ?? Self.noise(forCosine: (1 + median) / 2, dimension: dimension)
        self.noise = chosen
        // The noise is part of the name: a kept collection is only reused for the same corpus.
        name = String(format: "real%dw-n%04d", windows, Int((chosen * 10_000).rounded()))
        print(String(
            format: "real model=%@ dim=%d source_texts=%d (pages %d + lines %d) source_vectors=%d queries=%d windows=%d "
                + "median_neighbour_cosine=%.3f noise=%.4f copy_cosine=%.3f",
            bundle.name, dimension, sources.count, pageTexts.count, lines.count, total, queries.count, windows,
            median, chosen, 1 / (1 + Float(dimension) * chosen * chosen / 3).squareRoot()))
    }

    func document(_ index: Int) -> MultiVector {
        var random = SplitMix64(state: 0xC0FFEE ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let d = dimension
        var values: [Float] = []
        values.reserveCapacity(vectors * d)
        var row = [Float](repeating: 0, count: d)
        for window in 0 ..< windows {
            let source = sources[random.below(sources.count)]
            let rows = source.count / d
            let wanted = vectors * (window + 1) / windows - vectors * window / windows
            let take = min(rows, wanted)
            let start = random.below(rows - take + 1)
            for sourceRow in start ..< start + take {
                var norm: Float = 0
                for i in 0 ..< d {
                    let value = source[sourceRow * d + i] + noise * random.signed()
                    row[i] = value
                    norm += value * value
                }
                let scale = 1 / max(norm.squareRoot(), 1e-12)
                for i in 0 ..< d { values.append(row[i] * scale) }
            }
        }
        // Unit-length rows of finite values by construction.
        guard let document = try? MultiVector(dimension: d, values: values) else { preconditionFailure("non-finite token vectors") }
        return document
    }

    func query(_ index: Int) -> MultiVector { queries[index % queries.count] }

    /// Uniform noise in `[-a, a]` per coordinate adds a vector of squared length `d a^2 / 3`,
    /// almost orthogonal to a unit vector, so the copy's cosine is `1 / sqrt(1 + d a^2 / 3)`.
    static func noise(forCosine cosine: Float, dimension: Int) -> Float {
        (3 * (1 / (cosine * cosine) - 1) / Float(dimension)).squareRoot()
    }

    /// The median, over up to 1,000 source vectors taken evenly, of the cosine to the nearest
    /// other source vector (token vectors are unit length). Scored 100 sample rows at a time so
    /// the score table stays at a few tens of MiB.
    static func medianNeighbourCosine(_ sources: [[Float]], dimension d: Int) -> Float {
        let all = sources.flatMap { $0 }
        let total = all.count / d
        let taken = min(total, 1000)
        guard taken > 1 else { return 0 }
        var nearest: [Float] = []
        let block = 100
        var scores = [Float](repeating: 0, count: block * total)
        var sample = [Float](repeating: 0, count: block * d)
        var first = 0
        while first < taken {
            let count = min(block, taken - first)
            let own = (first ..< first + count).map { $0 * total / taken }
            for (index, row) in own.enumerated() {
                for i in 0 ..< d { sample[index * d + i] = all[row * d + i] }
            }
            sample.withUnsafeBufferPointer { s in
                all.withUnsafeBufferPointer { a in
                    scores.withUnsafeMutableBufferPointer { out in
                        MatrixMultiply.gemm(
                            m: count, n: total, k: d, a: s.baseAddress!, b: a.baseAddress!, transposeB: true, c: out.baseAddress!)
                    }
                }
            }
            for (index, row) in own.enumerated() {
                var best = -Float.infinity
                for other in 0 ..< total where other != row { best = max(best, scores[index * total + other]) }
                nearest.append(best)
            }
            first += count
        }
        nearest.sort()
        return nearest[nearest.count / 2]
    }

    /// The `text` field of each line of a JSON-lines file.
    private static func jsonLinesTexts(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
        struct Line: Decodable { let text: String }
        return try data.split(separator: UInt8(ascii: "\n")).enumerated().compactMap { number, line in
            guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { return nil }
            do {
                return try JSONDecoder().decode(Line.self, from: Data(line)).text
            } catch {
                throw CommandFailure("\(path) line \(number + 1): no \"text\" string (\(error))")
            }
        }
    }
}
