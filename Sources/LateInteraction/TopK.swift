/// One search result: a document's position in the searched set and its score.
public struct ScoredDocument: Sendable, Equatable {
    public var index: Int
    public var score: Float
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// The `k` best of a stream of scores with a binary min-heap (O(n log k), O(k) memory).
///
/// Order is total and deterministic: higher score first, and on equal scores the lower index,
/// so equal inputs always give equal rankings.
struct TopK {
    let k: Int
    private var heap: [ScoredDocument] = []

    init(_ k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// True when `a` ranks below `b`.
    @inline(__always)
    static func worse(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }

    mutating func insert(_ candidate: ScoredDocument) {
        if heap.count < k {
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.worse(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if k > 0, Self.worse(heap[0], candidate) {
            heap[0] = candidate
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, Self.worse(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, Self.worse(heap[right], heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// Best first.
    func sorted() -> [ScoredDocument] {
        heap.sorted { Self.worse($1, $0) }
    }
}
