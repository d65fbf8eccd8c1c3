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
}

/// A document to upsert: its id (an existing id is replaced), its vectors or the input to
/// embed, and a small map of the caller's strings (at most 64 entries, 4096 bytes).
public struct CollectionDocument: Sendable, Hashable {
    /// 1 to 256 bytes, unique within the collection.
    public var id: String
    public var content: VectorSource
    public var metadata: [String: String]

    public init(id: String, content: VectorSource, metadata: [String: String] = [:]) {
        self.id = id
        self.content = content
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
    /// precision), when asked for; nil otherwise.
    public var vectors: [[Float]]?
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
        /// Its MaxSim score against the query.
        public var score: Float
        public var metadata: [String: String]
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
