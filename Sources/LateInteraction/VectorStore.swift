/// Settings of a collection, fixed at creation.
public struct CollectionSpec: Sendable, Equatable, Codable {
    public var name: String
    public var dimension: Int
    public var precision: StoragePrecision
    /// Token pooling applied to every document at upsert (1 = none); see ``TokenPooling``.
    public var poolFactor: Int
    /// "First-n" truncation applied at upsert (nil = keep every vector).
    public var maxVectors: Int?
    /// The model (a served model's name) whose multi-vectors the collection holds, so a server
    /// can embed texts and images for it; nil = precomputed vectors only. Optional, so the
    /// `collection.json` of collections made before it existed still decodes.
    public var model: String?
    /// Multi-vector (token vectors, MaxSim) or dense (one pooled vector per document).
    public var kind: CollectionKind

    public init(
        name: String, dimension: Int, precision: StoragePrecision = .float32, poolFactor: Int = 1, maxVectors: Int? = nil,
        model: String? = nil, kind: CollectionKind = .multiVector
    ) {
        self.name = name
        self.dimension = dimension
        self.precision = precision
        self.poolFactor = poolFactor
        self.maxVectors = maxVectors
        self.model = model
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case name, dimension, precision, poolFactor, maxVectors, model, kind
    }

    /// `kind` is absent from the settings of collections made before dense ones existed (and is
    /// still left out for multi-vector ones, so their file reads the same to older builds).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        dimension = try container.decode(Int.self, forKey: .dimension)
        precision = try container.decode(StoragePrecision.self, forKey: .precision)
        poolFactor = try container.decode(Int.self, forKey: .poolFactor)
        maxVectors = try container.decodeIfPresent(Int.self, forKey: .maxVectors)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        kind = try container.decodeIfPresent(CollectionKind.self, forKey: .kind) ?? .multiVector
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(precision, forKey: .precision)
        try container.encode(poolFactor, forKey: .poolFactor)
        try container.encodeIfPresent(maxVectors, forKey: .maxVectors)
        try container.encodeIfPresent(model, forKey: .model)
        if kind != .multiVector { try container.encode(kind, forKey: .kind) }
    }
}

/// A document as stored and returned: id, multi-vector, optional pooled (single) vector, a
/// small string map of metadata (a file name, a page number) and an optional attachment.
public struct StoredDocument: Sendable, Equatable {
    public var id: String
    public var vectors: MultiVector
    public var pooled: [Float]?
    public var metadata: [String: String]
    /// Bytes kept with the document and returned by `get`, never interpreted by the store: a
    /// page's text layer (its words, boxes and which word each vector came from). Not returned
    /// with search hits, which stay small; `get` the hits that need it.
    public var attachment: [UInt8]?

    public init(
        id: String, vectors: MultiVector, pooled: [Float]? = nil, metadata: [String: String] = [:], attachment: [UInt8]? = nil
    ) {
        self.id = id
        self.vectors = vectors
        self.pooled = pooled
        self.metadata = metadata
        self.attachment = attachment
    }
}

/// One search result.
public struct SearchHit: Sendable, Equatable {
    public var id: String
    public var score: Float
    public var metadata: [String: String]

    public init(id: String, score: Float, metadata: [String: String]) {
        self.id = id
        self.score = score
        self.metadata = metadata
    }
}

/// A run of stored documents handed to ``VectorStore/scanBlocks(of:documentsPerBlock:_:)``:
/// their ids and their encoded vectors (still in the store's memory map).
public struct DocumentBlock: Sendable {
    public var ids: [String]
    public var documents: EncodedDocuments

    public init(ids: [String], documents: EncodedDocuments) {
        self.ids = ids
        self.documents = documents
    }
}

/// Where multi-vector collections live. The server and the CLI only speak to this protocol; the
/// local on-disk store (``LocalVectorStore``) is the first implementation, and an engine with
/// native MaxSim (Qdrant, Vespa, Milvus) can be another without touching them.
///
/// Every mutating call returns only once the change is durable.
public protocol VectorStore: Sendable {
    func create(_ spec: CollectionSpec) throws(LateInteractionError)
    func drop(_ name: String) throws(LateInteractionError)
    func list() throws(LateInteractionError) -> [CollectionSpec]
    /// The settings of one collection (``LateInteractionError/unknownCollection(_:)`` if none).
    func spec(of collection: String) throws(LateInteractionError) -> CollectionSpec
    /// Live documents of a collection (after deletes and replacements).
    func documentCount(in collection: String) throws(LateInteractionError) -> Int
    /// Inserts or replaces documents by id.
    func put(_ documents: [StoredDocument], into collection: String) throws(LateInteractionError)
    /// Removes documents; returns how many existed.
    @discardableResult
    func delete(_ ids: [String], from collection: String) throws(LateInteractionError) -> Int
    /// The documents that exist among `ids`, in the order asked (vectors as stored, decoded).
    func get(_ ids: [String], from collection: String) throws(LateInteractionError) -> [StoredDocument]
    /// Every live document, in blocks, for callers that score or export themselves.
    func scanBlocks(of collection: String, documentsPerBlock: Int, _ body: (DocumentBlock) -> Void) throws(LateInteractionError)
    /// The `topK` best documents by MaxSim among those `filter` admits (a multi-vector collection).
    /// Ties may come in any order (``CollectionQuery`` orders them by id).
    func search(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, options: MaxSim.SearchOptions
    ) throws(LateInteractionError) -> [SearchHit]
    /// The `topK` best documents by exact MaxSim among candidates a centroid index gives at
    /// `depth` (``CollectionQuery/Mode/indexed``), among those `filter` admits. A store without
    /// such an index answers by exact search (the extension's default): the same contract, at
    /// exact search's cost.
    func searchIndexed(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, depth: CentroidIndex.Depth
    ) throws(LateInteractionError) -> [SearchHit]
    /// The `topK` best documents by the similarity of `query` to their pooled vectors, among those
    /// `filter` admits. Throws ``LateInteractionError/missingPooledVectors(collection:missing:total:)``
    /// when an admitted document has none, since it could never be found.
    func searchPooled(
        _ query: [Float], in collection: String, topK: Int, filter: DocumentFilter, metric: DenseMetric
    ) throws(LateInteractionError) -> [SearchHit]
    /// Collections the store holds but cannot serve because their files are damaged (not in
    /// ``list()``, or in it but refusing every call with ``LateInteractionError/damaged(_:)``).
    func damagedCollections() throws(LateInteractionError) -> [CollectionDamage]
    /// True when other processes may create and drop collections in this store at any time (a
    /// database several servers share), so its list of collections must be read, not cached.
    var isShared: Bool { get }
}

extension VectorStore {
    /// From ``list()``; a store with a cheaper lookup overrides it.
    public func spec(of collection: String) throws(LateInteractionError) -> CollectionSpec {
        guard let found = try list().first(where: { $0.name == collection }) else { throw .unknownCollection(collection) }
        return found
    }

    /// The `topK` best documents by MaxSim, restricted to `filter` ids when given, with the
    /// default binary re-scoring depth.
    public func search(_ query: MultiVector, in collection: String, topK: Int, filter: Set<String>?) throws(LateInteractionError) -> [SearchHit] {
        try search(query, in: collection, topK: topK, filter: DocumentFilter(ids: filter), options: .init())
    }

    public func searchIndexed(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, depth: CentroidIndex.Depth
    ) throws(LateInteractionError) -> [SearchHit] {
        try search(query, in: collection, topK: topK, filter: filter, options: .init())
    }

    /// A store owned by one process (the local store locks its folder) is not shared.
    public var isShared: Bool { false }

    /// A store that cannot be damaged on disk (an engine that checks itself) has none.
    public func damagedCollections() throws(LateInteractionError) -> [CollectionDamage] { [] }
}
