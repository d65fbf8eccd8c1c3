import EmbeddingTesting
import Testing
@testable import LateInteraction

/// The index's candidate selection (a quickselect) keeps exactly the documents a heap of the
/// same size keeps, ties included, at every count and size.
@Suite struct CandidateSelectionTests {
    static func heapBest(_ count: Int, of positions: [Int], scores: [Int: Float]) -> Set<Int> {
        var top = TopK(count)
        for position in positions { top.insert(ScoredDocument(index: position, score: scores[position]!)) }
        return Set(top.sorted().map(\.index))
    }

    @Test(arguments: [1, 2, 3, 10, 257, 5000])
    func selectsWhatAHeapSelects(size: Int) {
        var generator = SeededGenerator(state: UInt64(size))
        let positions = (0 ..< size).map { $0 * 3 + 1 }.shuffled(using: &generator)
        // Few distinct scores, so most comparisons are ties broken by position.
        var scores: [Int: Float] = [:]
        for position in positions { scores[position] = Float(Int.random(in: 0 ..< 7, using: &generator)) / 4 }
        for count in Set([0, 1, 2, size / 2, max(size - 1, 0), size, size + 5]) {
            let selected = CentroidIndex.best(count, of: positions, score: { scores[$0]! })
            #expect(selected.count == min(count, size), "size \(size), count \(count)")
            #expect(Set(selected) == Self.heapBest(count, of: positions, scores: scores), "size \(size), count \(count)")
        }
    }

    @Test func sortedAndReversedInputs() {
        let positions = Array(0 ..< 1000)
        for order in [positions, positions.reversed()] {
            let selected = CentroidIndex.best(100, of: order, score: { Float($0 % 250) })
            // Scores 249, 248, ... each held by 4 positions; the best 100 are scores 249 down to
            // 225, lower positions first on a tie: all four of each of those 25 scores.
            #expect(Set(selected) == Set(positions.filter { $0 % 250 >= 225 }))
        }
    }
}
