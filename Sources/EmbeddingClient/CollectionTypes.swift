internal import WireProtocol

/// How a collection stores its documents' vectors; scores are computed in float32 whatever the
/// precision (the server's README gives the measured recall of each).
public enum CollectionPrecision: Sendable, Hashable {
    /// 4 bytes per value, exact.
    case float32
    /// 2 bytes per value.
    case float16
    /// 1 byte per value plus one scale per vector.
    case int8
    /// 1 bit per value for a Hamming first pass, re-scored on a float16 copy.
    case binary
    /// A precision this client does not know, by its wire number.
    case unknown(Int)
}

/// What a collection holds per document, which decides how it is searched by default.
public enum CollectionKind: Sendable, Hashable {
    /// One vector per token or patch, searched by MaxSim; each document may also carry a pooled
    /// vector for dense and hybrid search.
    case multiVector
    /// One pooled vector per document (the model's sentence or image embedding), searched by
    /// cosine or dot product.
    case dense
    /// A kind this client does not know, by its wire number.
    case unknown(Int)
}

/// How a search scores documents.
public enum SearchMode: Sendable, Hashable {
    /// The collection's own: MaxSim for a multi-vector collection, dense for a dense one.
    case collectionDefault
    /// MaxSim of the query's token vectors against each document's.
    case maxSim
    /// The query's pooled vector against each document's, by ``DenseMetric``.
    case dense
    /// Dense candidates (``SearchParameters/candidates``, default 100) re-ranked by MaxSim;
    /// the hits carry MaxSim scores.
    case hybrid
    /// A centroid index's candidates (``SearchParameters/candidates``, default 256; probes
    /// ``SearchParameters/probes``, default 8) re-scored by exact MaxSim: for large collections.
    case indexed
}

/// The similarity of dense search (and of hybrid search's first stage).
public enum DenseMetric: Sendable, Hashable {
    case cosine
    /// The normalised query against the stored vector as it is.
    case dot
}

/// How ``EmbeddingClient/search(_:in:topK:filterIDs:parameters:options:)`` ranks and filters.
/// The defaults are the collection's own mode, cosine, default depths and no metadata filter.
public struct SearchParameters: Sendable, Hashable {
    public var mode: SearchMode = .collectionDefault
    public var metric: DenseMetric = .cosine
    /// The depth of a first stage: hybrid's dense candidates (default 100), or the Hamming
    /// candidates a binary collection re-scores (default max(100, 10 x topK)); nil = default.
    public var candidates: Int? = nil
    /// Indexed search: the centroids probed per query vector; nil = the server's default (8).
    public var probes: Int? = nil
    /// Only documents whose metadata holds each key with exactly this value.
    public var filterMetadata: [String: String] = [:]
    /// The query's pooled vector for dense and hybrid search; nil = the pooled embedding of the
    /// query's input. Needed when the query is vectors (or absent, for a dense search).
    public var queryPooled: [Float]? = nil
    /// Return, for each page hit, the words whose token vectors gave the query its maxima.
    public var includeMatches: Bool = false

    public init(
        mode: SearchMode = .collectionDefault, metric: DenseMetric = .cosine, candidates: Int? = nil,
        filterMetadata: [String: String] = [:], queryPooled: [Float]? = nil
    ) {
        self.mode = mode
        self.metric = metric
        self.candidates = candidates
        self.filterMetadata = filterMetadata
        self.queryPooled = queryPooled
    }
}

/// The settings of a new collection (``EmbeddingClient/createCollection(_:settings:timeout:)``).
/// The defaults make a float32 collection for the server's default model, without pooling or
/// truncation.
public struct CollectionSettings: Sendable, Hashable {
    /// The model whose multi-vectors the collection holds (its ``ModelInfo/name``); empty = the
    /// server's default model. Ignored when ``vectorsOnly``.
    public var model: String = ""
    /// Values per vector; nil = the model's ``ModelInfo/tokenDimension``. Required when
    /// ``vectorsOnly``.
    public var dimension: Int? = nil
    /// How vectors are stored.
    public var precision: CollectionPrecision = .float32
    /// Token pooling at upsert: about `count / poolFactor` vectors are kept per document; 1 = none.
    public var poolFactor: Int = 1
    /// Only a document's first `maxVectors` vectors are stored; nil = all.
    public var maxVectors: Int? = nil
    /// true: the collection takes precomputed vectors only, and has no model.
    public var vectorsOnly: Bool = false
    /// Multi-vector or dense. A dense collection's dimension defaults to the model's
    /// ``ModelInfo/dimension``; it takes no precision, pool factor or max vectors.
    public var kind: CollectionKind = .multiVector

    public init() {}
}

/// A collection as the server describes it.
public struct CollectionInfo: Sendable, Hashable {
    public var name: String
    /// Values per vector.
    public var dimension: Int
    public var precision: CollectionPrecision
    /// Token pooling factor (1 = none).
    public var poolFactor: Int
    /// First-n truncation (nil = none).
    public var maxVectors: Int?
    /// The model that embeds the collection's inputs; nil for a vectors-only collection.
    public var model: String?
    /// Live documents.
    public var documentCount: Int
    /// Multi-vector or dense.
    public var kind: CollectionKind
}

/// A document to upsert: its id (an existing id is replaced), its vectors or the input to
/// embed, optionally its pooled vector, and a small map of the caller's strings (at most 64
/// entries, 4096 bytes).
public struct CollectionDocument: Sendable, Hashable {
    /// 1 to 256 bytes, unique within the collection.
    public var id: String
    /// The input to embed or the token vectors; nil for a dense collection's document given by
    /// its ``pooled`` vector alone.
    public var content: VectorSource?
    /// The document's pooled vector, for dense and hybrid search, stored as given. Unset with
    /// an input, the server stores the model's pooled embedding of it.
    public var pooled: [Float]?
    public var metadata: [String: String]

    public init(id: String, content: VectorSource, pooled: [Float]? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.content = content
        self.pooled = pooled
        self.metadata = metadata
    }

    /// A document of a dense collection given by its pooled vector.
    public init(id: String, pooled: [Float], metadata: [String: String] = [:]) {
        self.id = id
        self.content = nil
        self.pooled = pooled
        self.metadata = metadata
    }

    /// A text document.
    public init(id: String, text: String, metadata: [String: String] = [:]) {
        self.init(id: id, content: .text(text), metadata: metadata)
    }

    /// A document of precomputed vectors.
    public init(id: String, vectors: [[Float]], metadata: [String: String] = [:]) {
        self.init(id: id, content: .vectors(vectors), metadata: metadata)
    }
}

/// A document read back by ``EmbeddingClient/get(ids:from:includeVectors:timeout:)``.
public struct RetrievedDocument: Sendable, Hashable {
    public var id: String
    public var metadata: [String: String]
    /// The stored vectors (after the collection's pooling and truncation, decoded from its
    /// precision), when asked for; nil otherwise (and for a dense collection's documents).
    public var vectors: [[Float]]?
    /// The stored pooled vector, when vectors were asked for and the document has one.
    public var pooled: [Float]?
    /// A page document's text layer (words, boxes, text), as read when it was upserted.
    public var pageText: PageText? = nil
}

/// What an upsert wrote.
public struct UpsertResult: Sendable, Hashable {
    /// Documents written (all of the call's).
    public var upserted: Int
    /// The embedding work it took (zero for precomputed vectors).
    public var usage: Usage
}

/// The best documents of a search, best first; ties in score are ordered by id.
public struct SearchResult: Sendable, Hashable {
    /// One document found.
    public struct Hit: Sendable, Hashable {
        public var id: String
        /// Its score against the query: MaxSim (MaxSim and hybrid search) or the dense metric's.
        public var score: Float
        public var metadata: [String: String]
        /// With ``SearchParameters/includeMatches``, for a page: the words that matched, best
        /// share of the score first.
        public var matches: [MatchedWord] = []
        /// Likewise, for a page holding its image's patch vectors: the patches that matched.
        public var matchedPatches: [MatchedPatch] = []
    }

    public var hits: [Hit]
    /// The embedding work the query took.
    public var usage: Usage
}

/// MaxSim scores of documents against a query, one per document in call order.
public struct ScoreResult: Sendable, Hashable {
    public var scores: [Float]
    /// The embedding work it took.
    public var usage: Usage
}

/// Options of the late-interaction calls that embed texts: the prompt and the truncation of
/// long texts, plus the call's own timeout and deadline. The defaults are the model's
/// conventions: its "query" or "document" prompt (or a ColBERT model's markers).
public struct LateInteractionOptions: Sendable, Hashable {
    /// The prompt for query texts; nil = the model's query convention.
    public var queryPrompt: EmbedOptions.Prompt? = nil
    /// The prompt for document texts; nil = the model's document convention.
    public var documentPrompt: EmbedOptions.Prompt? = nil
    /// For ``EmbeddingClient/score(query:documents:collection:options:)`` only: the model; empty
    /// = the collection's model when a collection is given and records one, else the server's
    /// default model. Another model than such a collection's is FAILED_PRECONDITION. (A
    /// collection's model embeds for its searches and upserts.)
    public var model: String = ""
    /// What the server does with a text longer than the model takes.
    public var truncate: EmbedOptions.TruncatePolicy = .end
    /// How long the server may work on the call (sent as `deadline_ms`); nil = the timeout.
    public var deadline: Duration? = nil
    /// How long this call waits for its answer; nil = ``ClientConfiguration/timeout``.
    public var timeout: Duration? = nil

    public init() {}
}

extension CollectionPrecision {
    init(_ wire: Multiembed_V1_Precision) {
        switch wire {
        case .float32: self = .float32
        case .float16: self = .float16
        case .int8: self = .int8
        case .binary: self = .binary
        case .UNRECOGNIZED(let value): self = .unknown(value)
        }
    }

    var wire: Multiembed_V1_Precision {
        switch self {
        case .float32: .float32
        case .float16: .float16
        case .int8: .int8
        case .binary: .binary
        case .unknown(let value): .UNRECOGNIZED(value)
        }
    }
}

extension CollectionInfo {
    init(_ wire: Multiembed_V1_CollectionInfo) {
        self.name = wire.name
        self.dimension = Int(wire.dimension)
        self.precision = CollectionPrecision(wire.precision)
        self.poolFactor = Int(wire.poolFactor)
        self.maxVectors = wire.maxVectors == 0 ? nil : Int(wire.maxVectors)
        self.model = wire.model.isEmpty ? nil : wire.model
        self.documentCount = Int(clamping: wire.documentCount)
        self.kind = CollectionKind(wire.kind)
    }
}

extension CollectionKind {
    init(_ wire: Multiembed_V1_CollectionKind) {
        switch wire {
        case .multiVector: self = .multiVector
        case .dense: self = .dense
        case .UNRECOGNIZED(let value): self = .unknown(value)
        }
    }

    var wire: Multiembed_V1_CollectionKind {
        switch self {
        case .multiVector: .multiVector
        case .dense: .dense
        case .unknown(let value): .UNRECOGNIZED(value)
        }
    }
}

extension SearchMode {
    var wire: Multiembed_V1_SearchMode {
        switch self {
        case .collectionDefault: .default
        case .maxSim: .maxsim
        case .dense: .dense
        case .hybrid: .hybrid
        case .indexed: .indexed
        }
    }
}

extension DenseMetric {
    var wire: Multiembed_V1_Metric {
        switch self {
        case .cosine: .cosine
        case .dot: .dot
        }
    }
}

extension EmbedOptions.TruncatePolicy {
    var wire: Multiembed_V1_Truncate {
        switch self {
        case .end: .end
        case .start: .start
        case .error: .error
        }
    }
}
