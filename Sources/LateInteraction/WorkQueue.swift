import Synchronization

/// Positions `0..<count` handed out in small batches from a shared counter, for the workers of one
/// parallel loop over documents.
///
/// Why not a fixed split per core: the server shares its cores (with other requests, with other
/// processes), and a half of the corpus assigned to a core that is preempted holds the whole query
/// up. Claiming batches as they go lets the faster worker take the rest. Which worker scores a
/// document never changes its score.
final class WorkQueue: Sendable {
    private let next = Atomic<Int>(0)
    let count: Int
    let batch: Int

    /// About sixteen batches per worker: small enough to balance, large enough that the counter
    /// is touched rarely.
    init(count: Int, workers: Int) {
        self.count = count
        batch = max(1, min(64, count / (16 * max(workers, 1))))
    }

    /// The next batch, or nil when every position is taken.
    func claim() -> Range<Int>? {
        let start = next.wrappingAdd(batch, ordering: .relaxed).oldValue
        guard start < count else { return nil }
        return start ..< min(start + batch, count)
    }
}
