import LateInteraction

/// A store search whose ties in score are ordered by id, as the contract promises, whatever
/// order the store breaks them in (the local store ranks equal scores by insertion order).
///
/// Asking the store for exactly `topK` could cut a tie at the boundary in the store's order, so
/// it is asked for more until the last hit scores strictly below the `topK`-th (then every
/// document tied with the `topK`-th is among the hits) or the hits run out; the hits are then
/// sorted by score, and by id within a score, and cut to `topK`. Ties are rare with real
/// vectors, so this is almost always one store call for `topK + 1`.
enum TieOrderedSearch {
    static func search(
        _ query: MultiVector, in collection: String, topK: Int, filter: Set<String>?, store: any VectorStore
    ) throws(LateInteractionError) -> [SearchHit] {
        var fetch = topK + 1
        while true {
            let hits = try store.search(query, in: collection, topK: fetch, filter: filter)
            if hits.count < fetch || hits[fetch - 1].score < hits[topK - 1].score {
                let ordered = hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
                return Array(ordered.prefix(topK))
            }
            fetch = fetch > Int.max / 2 ? Int.max : fetch * 2
        }
    }
}
