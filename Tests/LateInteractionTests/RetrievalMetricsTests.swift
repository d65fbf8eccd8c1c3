import Foundation
import Testing
@testable import LateInteraction

/// The metrics against values worked out by hand from trec_eval's definitions.
@Suite struct RetrievalMetricsTests {
    @Test func oneRelevantDocumentAtRankTwo() throws {
        let metrics = try #require(RetrievalMetrics(ranking: ["a", "b", "c"], relevance: ["b": 1]))
        #expect(abs(metrics.ndcgAt10 - 1 / log2(3.0)) < 1e-12)  // gain 1 at rank 2, ideal gain 1 at rank 1
        #expect(metrics.recallAt1 == 0)
        #expect(metrics.recallAt10 == 1)
        #expect(metrics.mrrAt10 == 0.5)
    }

    @Test func gradedRelevanceUsesLinearGain() throws {
        let metrics = try #require(RetrievalMetrics(ranking: ["x", "a", "b"], relevance: ["a": 2, "b": 1, "x": 0]))
        let dcg = 2 / log2(3.0) + 1 / log2(4.0)
        let ideal = 2 / log2(2.0) + 1 / log2(3.0)
        #expect(abs(metrics.ndcgAt10 - dcg / ideal) < 1e-12)
        #expect(metrics.recallAt1 == 0)  // "x" is judged, but not relevant
        #expect(metrics.recallAt10 == 1)
        #expect(metrics.mrrAt10 == 0.5)
    }

    @Test func onlyTheFirstTenCount() throws {
        let ranking = (1 ... 10).map { "miss\($0)" } + ["hit"]
        let metrics = try #require(RetrievalMetrics(ranking: ranking, relevance: ["hit": 1, "unretrieved": 1]))
        #expect(metrics == RetrievalMetrics(ndcgAt10: 0, recallAt1: 0, recallAt10: 0, mrrAt10: 0))
    }

    @Test func recallCountsRelevantDocumentsNeverRetrieved() throws {
        let metrics = try #require(RetrievalMetrics(ranking: ["a", "b"], relevance: ["a": 1, "z": 1]))
        #expect(metrics.recallAt1 == 0.5 && metrics.recallAt10 == 0.5 && metrics.mrrAt10 == 1)
        #expect(abs(metrics.ndcgAt10 - 1 / (1 + 1 / log2(3.0))) < 1e-12)
    }

    @Test func aQueryWithoutRelevantDocumentsHasNoMetrics() {
        #expect(RetrievalMetrics(ranking: ["a"], relevance: [:]) == nil)
        #expect(RetrievalMetrics(ranking: ["a"], relevance: ["a": 0]) == nil)
    }

    @Test func meansAreTakenPerMetric() {
        let mean = RetrievalMetrics.mean([
            RetrievalMetrics(ndcgAt10: 1, recallAt1: 1, recallAt10: 1, mrrAt10: 1),
            RetrievalMetrics(ndcgAt10: 0.5, recallAt1: 0, recallAt10: 0.5, mrrAt10: 0.25),
        ])
        #expect(mean == RetrievalMetrics(ndcgAt10: 0.75, recallAt1: 0.5, recallAt10: 0.75, mrrAt10: 0.625))
    }
}
