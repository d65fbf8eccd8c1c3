import Foundation

/// The retrieval metrics ViDoRe and BEIR report, computed for one ranked result list against
/// graded relevance judgements, as trec_eval (pytrec_eval) defines them:
///
/// - nDCG@k: Σ_{i ≤ k} rel_i / log2(i + 1) over the ranking, divided by the same sum over the
///   ideal ranking (every judged document sorted by grade). Linear gain, as trec_eval's
///   `ndcg_cut` (BEIR's nDCG@10), not the exponential 2^rel − 1 of some other toolkits.
/// - recall@k: the share of the relevant documents (grade > 0) found in the first k.
/// - MRR@k: 1 / rank of the first relevant document within the first k, else 0.
///
/// Documents without a judgement count as not relevant.
public struct RetrievalMetrics: Sendable, Equatable {
    public var ndcgAt10: Double
    public var recallAt1: Double
    public var recallAt10: Double
    public var mrrAt10: Double

    public init(ndcgAt10: Double, recallAt1: Double, recallAt10: Double, mrrAt10: Double) {
        self.ndcgAt10 = ndcgAt10
        self.recallAt1 = recallAt1
        self.recallAt10 = recallAt10
        self.mrrAt10 = mrrAt10
    }

    /// The metrics of `ranking` (ids, best first) against `relevance` (id → grade; grades ≤ 0
    /// mean judged not relevant). Nil when no document is relevant: every metric would be 0/0,
    /// and averaging such queries in would hide the judgements' gap.
    public init?(ranking: [String], relevance: [String: Int]) {
        let relevant = relevance.filter { $0.value > 0 }
        guard !relevant.isEmpty else { return nil }
        ndcgAt10 = Self.ndcg(ranking, relevance, cutoff: 10)
        recallAt1 = Self.recall(ranking, relevant, cutoff: 1)
        recallAt10 = Self.recall(ranking, relevant, cutoff: 10)
        mrrAt10 = Self.reciprocalRank(ranking, relevant, cutoff: 10)
    }

    /// The mean of each metric over queries, as BEIR and ViDoRe report them.
    public static func mean(_ perQuery: [RetrievalMetrics]) -> RetrievalMetrics {
        guard !perQuery.isEmpty else { return RetrievalMetrics(ndcgAt10: 0, recallAt1: 0, recallAt10: 0, mrrAt10: 0) }
        let n = Double(perQuery.count)
        return RetrievalMetrics(
            ndcgAt10: perQuery.reduce(0) { $0 + $1.ndcgAt10 } / n,
            recallAt1: perQuery.reduce(0) { $0 + $1.recallAt1 } / n,
            recallAt10: perQuery.reduce(0) { $0 + $1.recallAt10 } / n,
            mrrAt10: perQuery.reduce(0) { $0 + $1.mrrAt10 } / n)
    }

    static func ndcg(_ ranking: [String], _ relevance: [String: Int], cutoff: Int) -> Double {
        func discountedGain(_ grades: [Int]) -> Double {
            grades.prefix(cutoff).enumerated().reduce(0) { sum, item in
                sum + Double(max(item.element, 0)) / log2(Double(item.offset) + 2)
            }
        }
        let ideal = discountedGain(relevance.values.sorted(by: >))
        guard ideal > 0 else { return 0 }
        return discountedGain(ranking.map { relevance[$0] ?? 0 }) / ideal
    }

    static func recall(_ ranking: [String], _ relevant: [String: Int], cutoff: Int) -> Double {
        let found = Set(ranking.prefix(cutoff)).filter { relevant[$0] != nil }.count
        return Double(found) / Double(relevant.count)
    }

    static func reciprocalRank(_ ranking: [String], _ relevant: [String: Int], cutoff: Int) -> Double {
        guard let position = ranking.prefix(cutoff).firstIndex(where: { relevant[$0] != nil }) else { return 0 }
        return 1 / Double(position + 1)
    }
}
