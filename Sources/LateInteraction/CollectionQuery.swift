/// One search of a collection, in any of its modes, as the server and the CLI run it: the
/// query's vectors, how to score, how many hits, and which documents may be hits.
public struct CollectionQuery: Sendable {
    /// How documents are scored.
    public enum Mode: String, Sendable, CaseIterable {
        /// MaxSim of the query's token vectors against each document's (multi-vector collections).
        case maxSim = "maxsim"
        /// The query's pooled vector against each document's, by ``DenseMetric``.
        case dense
        /// A dense first stage keeps ``CollectionQuery/candidates`` documents (default
        /// ``defaultHybridCandidates``), which MaxSim re-ranks; hits carry MaxSim scores.
        case hybrid
        /// A centroid index (``CentroidIndex``, built from the collection on first use and kept
        /// up to date as documents arrive) gives ``CollectionQuery/candidates`` documents
        /// (default ``defaultIndexedCandidates``), which exact MaxSim re-scores: sub-linear
        /// search over a large multi-vector collection, exact scores, approximate candidates.
        case indexed

        /// Whether the mode scores the query's token vectors.
        public var scoresTokens: Bool { self != .dense }
        /// Whether the mode scores the query's pooled vector.
        public var scoresPooled: Bool { self == .dense || self == .hybrid }
    }

    /// The query's token vectors (MaxSim and hybrid).
    public var tokens: MultiVector?
    /// The query's pooled vector (dense and hybrid).
    public var pooled: [Float]?
    /// Nil = the collection's own: dense for dense; for multi-vector, exact MaxSim up to
    /// ``indexedByDefaultAbove`` live documents and indexed search above (see
    /// ``resolvedMode(for:documents:)``).
    public var mode: Mode?
    public var topK: Int
    public var metric: DenseMetric
    /// The depth of a first stage (nil = its default): hybrid's dense candidates, and the
    /// Hamming candidates a binary collection re-scores. Fewer than `topK` counts as `topK`.
    public var candidates: Int?
    /// Indexed search: the centroids probed per query vector (nil = ``defaultIndexedProbes``).
    public var probes: Int?
    public var filter: DocumentFilter

    /// Dense candidates re-ranked by MaxSim in a hybrid search unless asked otherwise. On
    /// pages-dev (README.md of this module) 50 already stays within 0.005 nDCG@10 of MaxSim.
    public static let defaultHybridCandidates = 100

    /// Indexed search's depth unless asked otherwise: on the topical benchmark of this module's
    /// README (20,000 documents) 8 probes and 256 candidates find all of exact search's top 10.
    public static let defaultIndexedCandidates = 256
    public static let defaultIndexedProbes = 8

    public init(
        tokens: MultiVector? = nil, pooled: [Float]? = nil, mode: Mode? = nil, topK: Int, metric: DenseMetric = .cosine,
        candidates: Int? = nil, probes: Int? = nil, filter: DocumentFilter = .none
    ) {
        self.probes = probes
        self.tokens = tokens
        self.pooled = pooled
        self.mode = mode
        self.topK = topK
        self.metric = metric
        self.candidates = candidates
        self.filter = filter
    }

    /// Multi-vector collections with more live documents than this are searched by
    /// ``Mode/indexed`` unless a query names its mode. Measured in README.md of this module
    /// ("Indexed search"): above it, indexed search at its default depth is several times faster
    /// than exact and finds >= 0.95 of exact's top 10; below it exact search costs a few
    /// milliseconds, no index is worth building, and results are exact (the conformance suite's
    /// collections are far below it).
    public static let indexedByDefaultAbove = 20_000

    /// The mode this query runs in on a collection of `kind` holding `documents` live documents:
    /// the query's own, else dense for dense collections, else exact MaxSim up to
    /// ``indexedByDefaultAbove`` documents and indexed search above.
    public func resolvedMode(for kind: CollectionKind, documents: Int) -> Mode {
        if let mode { return mode }
        if kind == .dense { return .dense }
        return documents > Self.indexedByDefaultAbove ? .indexed : .maxSim
    }
}

extension VectorStore {
    /// Runs `query` on `collection`: the `topK` best documents, best first, ties in score ordered
    /// by id (so rankings do not depend on the order documents were stored in).
    public func search(_ query: CollectionQuery, in collection: String) throws(LateInteractionError) -> [SearchHit] {
        let kind = try spec(of: collection).kind
        guard query.topK > 0 else { throw .invalidTopK(query.topK) }
        if let candidates = query.candidates, candidates < 1 {
            throw .invalidArgument("the candidate depth must be positive, got \(candidates)")
        }
        if let probes = query.probes, probes < 1 {
            throw .invalidArgument("the probes of an indexed search must be positive, got \(probes)")
        }
        let documents = try query.mode == nil && kind == .multiVector ? documentCount(in: collection) : 0
        let mode = query.resolvedMode(for: kind, documents: documents)
        if kind == .dense, mode != .dense {
            throw .invalidArgument(
                "collection '\(collection)' is dense (one pooled vector per document): it is searched by dense similarity, not \(mode.rawValue)")
        }
        let depth = query.candidates.map { max($0, query.topK) }
        switch mode {
        case .maxSim:
            let tokens = try Self.require(query.tokens, "token vectors", mode)
            return try tieOrdered(topK: query.topK) { fetch throws(LateInteractionError) in
                try search(tokens, in: collection, topK: fetch, filter: query.filter, options: .init(rescoreCandidates: depth))
            }
        case .dense:
            let pooled = try Self.require(query.pooled, "pooled vector", mode)
            return try tieOrdered(topK: query.topK) { fetch throws(LateInteractionError) in
                try searchPooled(pooled, in: collection, topK: fetch, filter: query.filter, metric: query.metric)
            }
        case .indexed:
            let tokens = try Self.require(query.tokens, "token vectors", mode)
            // Indexed only by default: exact meanwhile while the index is built in the background.
            let indexDepth = CentroidIndex.Depth(
                probes: query.probes ?? CollectionQuery.defaultIndexedProbes,
                candidates: depth ?? max(CollectionQuery.defaultIndexedCandidates, query.topK), waitForIndex: query.mode != nil)
            return try tieOrdered(topK: query.topK) { fetch throws(LateInteractionError) in
                try searchIndexed(tokens, in: collection, topK: fetch, filter: query.filter, depth: indexDepth)
            }
        case .hybrid:
            let tokens = try Self.require(query.tokens, "token vectors", mode)
            let pooled = try Self.require(query.pooled, "pooled vector", mode)
            let firstStage = try tieOrdered(topK: depth ?? max(Self.hybridDefault, query.topK)) { fetch throws(LateInteractionError) in
                try searchPooled(pooled, in: collection, topK: fetch, filter: query.filter, metric: query.metric)
            }
            if firstStage.isEmpty { return [] }
            let candidates = DocumentFilter(ids: Set(firstStage.map(\.id)))
            return try tieOrdered(topK: query.topK) { fetch throws(LateInteractionError) in
                try search(tokens, in: collection, topK: fetch, filter: candidates, options: .init(rescoreCandidates: depth))
            }
        }
    }

    private static var hybridDefault: Int { CollectionQuery.defaultHybridCandidates }

    private static func require<Value>(_ value: Value?, _ what: String, _ mode: CollectionQuery.Mode) throws(LateInteractionError) -> Value {
        guard let value else { throw .invalidArgument("a \(mode.rawValue) search needs the query's \(what)") }
        return value
    }

    /// Asking the store for exactly `topK` could cut a tie at the boundary in the store's order,
    /// so it is asked for more until the last hit scores strictly below the `topK`-th (then every
    /// document tied with the `topK`-th is among the hits) or the hits run out; the hits are then
    /// sorted by score, and by id within a score, and cut to `topK`. Ties are rare with real
    /// vectors, so this is almost always one store call for `topK + 1`.
    private func tieOrdered(
        topK: Int, _ fetchBest: (Int) throws(LateInteractionError) -> [SearchHit]
    ) throws(LateInteractionError) -> [SearchHit] {
        var fetch = topK + 1
        while true {
            let hits = try fetchBest(fetch)
            if hits.count < fetch || hits[fetch - 1].score < hits[topK - 1].score {
                let ordered = hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
                return Array(ordered.prefix(topK))
            }
            fetch = fetch > Int.max / 2 ? Int.max : fetch * 2
        }
    }
}
