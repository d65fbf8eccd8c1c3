import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

private struct Golden: Decodable {
    let query: [[Float]]
    let documents: [[[Float]]]
    let scores: [Float]
    let ranking: [Int]
}

@Suite struct MaxSimTests {
    @Test func matchesPyTorchGolden() throws {
        let golden = try Fixtures.load(Golden.self, from: "late-interaction/golden.json")
        let query = try MultiVector(rows: golden.query)
        let docs = try golden.documents.map { try MultiVector(rows: $0) }
        let corpus = try EncodedCorpus(docs, dimension: query.dimension, precision: .float32)
        let scores = try MaxSim.scores(query, corpus.view)
        for (ours, theirs) in zip(scores, golden.scores) { #expect(abs(ours - theirs) < 1e-5) }
        let ranked = try MaxSim.search(query, corpus.view, k: docs.count)
        #expect(ranked.map(\.index) == golden.ranking)
    }

    @Test func matchesBruteForceOnRandomCorpus() throws {
        let (docs, queries) = TestData.topicalCorpus(documents: 60, dimension: 48, lengths: 1 ... 300, seed: 7)
        let corpus = try EncodedCorpus(docs, dimension: 48, precision: .float32)
        for query in queries.prefix(5) {
            let scores = try MaxSim.scores(query, corpus.view)
            for (index, doc) in docs.enumerated() {
                #expect(abs(Double(scores[index]) - TestData.referenceScore(query, doc)) < 1e-4)
            }
        }
    }

    /// colpali-engine issue 274: scores changed with the batch a document was scored in.
    @Test func scoresAreBitEqualAcrossBlockingsAndOrders() throws {
        let (docs, queries) = TestData.topicalCorpus(documents: 80, dimension: 64, lengths: 1 ... 400, seed: 11)
        let query = queries[0]
        let corpus = try EncodedCorpus(docs, dimension: 64, precision: .float32)
        let baseline = try MaxSim.scores(query, corpus.view)
        var generator = SeededGenerator(state: 3)
        for subsetSize in [1, 5, 33, 80] {
            var order = Array(0 ..< docs.count)
            order.shuffle(using: &generator)
            order = Array(order.prefix(subsetSize))
            let shuffled = try MaxSim.scores(query, corpus.view, indices: order)
            for (position, index) in order.enumerated() {
                #expect(shuffled[position].bitPattern == baseline[index].bitPattern, "subset \(subsetSize) doc \(index)")
            }
        }
        // Alone, and in a corpus of other documents laid out differently.
        for index in [0, 17, 79] {
            let alone = try EncodedCorpus([docs[index]], dimension: 64, precision: .float32)
            #expect(try MaxSim.scores(query, alone.view)[0].bitPattern == baseline[index].bitPattern)
        }
        let reversed = try EncodedCorpus(docs.reversed(), dimension: 64, precision: .float32)
        let reversedScores = try MaxSim.scores(query, reversed.view)
        #expect(reversedScores.reversed().map(\.bitPattern) == baseline.map(\.bitPattern))
    }

    @Test func documentsLongerThanOneChunkAreScoredWhole() throws {
        var generator = SeededGenerator(state: 5)
        let long = TestData.unitVectors(4113, dimension: 8, using: &generator)
        let query = TestData.unitVectors(3, dimension: 8, using: &generator)
        for precision in [StoragePrecision.float32, .float16] {
            let corpus = try EncodedCorpus([long], dimension: 8, precision: precision)
            let score = try MaxSim.scores(query, corpus.view)[0]
            #expect(abs(Double(score) - TestData.referenceScore(query, long)) < 2e-3)
        }
    }

    @Test func negativeSimilaritiesAreNotClampedAtZero() throws {
        // Every dot product is negative: zero padding would report 0, the true score is negative.
        let query = try MultiVector(dimension: 2, values: [1, 0])
        let short = try MultiVector(dimension: 2, values: [-1, 0])
        let long = try MultiVector(dimension: 2, values: [-1, 0, -0.6, -0.8, -0.8, -0.6])
        let corpus = try EncodedCorpus([short, long], dimension: 2, precision: .float32)
        let scores = try MaxSim.scores(query, corpus.view)
        #expect(scores == [-1, -0.6])
    }

    @Test func topKOrdersByScoreThenIndex() throws {
        var top = TopK(3)
        for (index, score) in [(0, 1.0), (1, 3.0), (2, 3.0), (3, 2.0), (4, 0.5)] as [(Int, Float)] {
            top.insert(ScoredDocument(index: index, score: score))
        }
        #expect(top.sorted().map(\.index) == [1, 2, 3])
    }

    @Test func badInputIsAnError() throws {
        #expect(throws: LateInteractionError.nonFiniteValue(context: "query")) {
            try MultiVector(dimension: 2, values: [1, .nan], context: "query")
        }
        #expect(throws: LateInteractionError.empty(context: "query")) { try MultiVector(dimension: 2, values: [], context: "query") }
        #expect(throws: LateInteractionError.self) { try MultiVector(rows: [[1, 0], [1]]) }
        let corpus = try EncodedCorpus([try MultiVector(dimension: 2, values: [1, 0])], dimension: 2, precision: .float32)
        let wide = try MultiVector(dimension: 3, values: [1, 0, 0])
        #expect(throws: LateInteractionError.self) { try MaxSim.scores(wide, corpus.view) }
        let query = try MultiVector(dimension: 2, values: [1, 0])
        #expect(throws: LateInteractionError.invalidTopK(0)) { try MaxSim.search(query, corpus.view, k: 0) }
    }
}
