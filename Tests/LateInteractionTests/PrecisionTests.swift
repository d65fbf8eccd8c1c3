import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Each storage knob against exact float32 search on a topical corpus: the ranking must stay
/// close, and the measured agreement is printed (README.md quotes these figures).
@Suite struct PrecisionTests {
    static let corpus = TestData.topicalCorpus(documents: 400, dimension: 128, lengths: 20 ... 120, seed: 21)

    /// Mean recall@10 against float32 and the share of queries whose top 10 is identical.
    static func agreement(_ transform: (MultiVector) throws -> MultiVector, precision: StoragePrecision, rescore: Int? = nil) throws -> (recall: Double, identical: Double) {
        let (docs, queries) = corpus
        let exact = try EncodedCorpus(docs, dimension: 128, precision: .float32)
        let changed = try EncodedCorpus(docs.map(transform), dimension: 128, precision: precision)
        var recall = 0.0, identical = 0.0
        for query in queries {
            let truth = try MaxSim.search(query, exact.view, k: 10).map(\.index)
            let found = try MaxSim.search(query, changed.view, k: 10, options: .init(rescoreCandidates: rescore)).map(\.index)
            recall += Double(Set(truth).intersection(found).count) / 10
            if truth == found { identical += 1 }
        }
        return (recall / Double(queries.count), identical / Double(queries.count))
    }

    @Test(arguments: StoragePrecision.allCases)
    func precisionKeepsTheTopTen(_ precision: StoragePrecision) throws {
        let result = try Self.agreement({ $0 }, precision: precision)
        print("quality precision=\(precision) recall@10=\(result.recall) identical_top10=\(result.identical)")
        // Binary's first pass only picks the 100 candidates that float16 re-scores; on this corpus of
        // near-duplicate topics some true top-10 documents fall outside them.
        #expect(result.recall >= (precision == .binary ? 0.85 : 0.95))
        if precision != .binary { #expect(result.identical >= 0.7) }
    }

    @Test func binaryFirstPassAloneIsWorseThanWithRescoring() throws {
        let shallow = try Self.agreement({ $0 }, precision: .binary, rescore: 10)
        let deep = try Self.agreement({ $0 }, precision: .binary, rescore: 100)
        print("quality binary rescore=10 recall@10=\(shallow.recall); rescore=100 recall@10=\(deep.recall)")
        #expect(deep.recall >= shallow.recall)
    }

    @Test(arguments: [2, 4])
    func tokenPoolingCostsLittle(_ factor: Int) throws {
        let result = try Self.agreement({ try TokenPooling.pooled($0, factor: factor) }, precision: .float32)
        print("quality pool_factor=\(factor) recall@10=\(result.recall) identical_top10=\(result.identical)")
        #expect(result.recall >= 0.6)
    }

    @Test func firstNTruncation() throws {
        let result = try Self.agreement({ $0.prefix(32) }, precision: .float32)
        print("quality first_n=32 recall@10=\(result.recall) identical_top10=\(result.identical)")
        #expect(result.recall >= 0.3)
    }

    @Test func codecsRoundTripWithinTheirPrecision() throws {
        var generator = SeededGenerator(state: 9)
        let vectors = TestData.unitVectors(5, dimension: 70, using: &generator)
        for (precision, tolerance) in [(StoragePrecision.float32, Float(0)), (.float16, 1e-3), (.int8, 5e-3), (.binary, 1e-3)] {
            let corpus = try EncodedCorpus([vectors], dimension: 70, precision: precision)
            let decoded = corpus.view.vectors(0)
            let worst = zip(decoded.values, vectors.values).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance, "\(precision)")
        }
        // Sign words: bit i set exactly when value i is positive, across the word boundary.
        let signs = VectorCodec.signWords(vectors)
        for i in 0 ..< 70 { #expect((signs[i / 64] >> UInt64(i % 64)) & 1 == (vectors.values[i] > 0 ? 1 : 0)) }
    }

    @Test func poolingKeepsUnitVectorsAndShrinks() throws {
        var generator = SeededGenerator(state: 4)
        let vectors = TestData.unitVectors(103, dimension: 16, using: &generator)
        let pooled = try TokenPooling.pooled(vectors, factor: 3)
        #expect(pooled.count <= 34 && pooled.count >= 1)
        for i in 0 ..< pooled.count {
            let norm = pooled.row(i).reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-4)
        }
        #expect(throws: LateInteractionError.self) { try TokenPooling.pooled(vectors, factor: 0) }
    }
}
