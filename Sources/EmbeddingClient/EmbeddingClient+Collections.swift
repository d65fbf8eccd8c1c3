internal import WireProtocol

/// Late interaction (collections.proto): collections of multi-vector documents kept durably by
/// the server, searched by MaxSim, and scoring (of stored documents too) by MaxSim. Every call throws
/// ``EmbeddingClientError`` with the server's status: NOT_FOUND for an unknown collection or
/// model, ALREADY_EXISTS for a name taken, INVALID_ARGUMENT for bad input (with an
/// ``InputError`` per bad document in ``EmbeddingClientError/inputErrors``),
/// FAILED_PRECONDITION for vectors whose dimension is not the collection's.
extension EmbeddingClient {
    /// Creates an empty collection named `name` (1 to 128 ASCII letters, digits, '-', '_' and
    /// '.', not starting with '.'). Throws ALREADY_EXISTS when the name is taken.
    public func createCollection(
        _ name: String, settings: CollectionSettings = CollectionSettings(), timeout: Duration? = nil
    ) async throws(EmbeddingClientError) -> CollectionInfo {
        var create = Multiembed_V1_CreateCollectionRequest()
        create.name = name
        create.model = settings.model
        create.vectorsOnly = settings.vectorsOnly
        create.precision = settings.precision.wire
        create.dimension = try Self.unsigned(settings.dimension ?? 0, "dimension")
        create.poolFactor = try Self.unsigned(settings.poolFactor, "poolFactor")
        create.maxVectors = try Self.unsigned(settings.maxVectors ?? 0, "maxVectors")
        create.kind = settings.kind.wire
        var request = Multiembed_V1_Request()
        request.createCollection = create
        let response = try await self.send(request, timeout: timeout)
        guard case .createCollection(let body)? = response.body else {
            throw .invalidResponse("the answer to a CreateCollection request has no create_collection body")
        }
        return CollectionInfo(body.collection)
    }

    /// Every collection of the server, by name, with its document count.
    public func listCollections(timeout: Duration? = nil) async throws(EmbeddingClientError) -> [CollectionInfo] {
        var request = Multiembed_V1_Request()
        request.listCollections = Multiembed_V1_ListCollectionsRequest()
        let response = try await self.send(request, timeout: timeout)
        guard case .listCollections(let body)? = response.body else {
            throw .invalidResponse("the answer to a ListCollections request has no list_collections body")
        }
        return body.collections.map(CollectionInfo.init)
    }

    /// Deletes collection `name` and all its documents, durably. Throws NOT_FOUND when there is
    /// none of that name.
    public func dropCollection(_ name: String, timeout: Duration? = nil) async throws(EmbeddingClientError) {
        var drop = Multiembed_V1_DropCollectionRequest()
        drop.name = name
        var request = Multiembed_V1_Request()
        request.dropCollection = drop
        let response = try await self.send(request, timeout: timeout)
        guard case .dropCollection? = response.body else {
            throw .invalidResponse("the answer to a DropCollection request has no drop_collection body")
        }
    }

    /// Inserts or replaces `documents` in `collection`, all or nothing: when any document is bad
    /// nothing is written and the error lists each bad one (its index in `documents`). Returns
    /// once the server has the documents on disk (fsynced). Texts and images are embedded by the
    /// collection's model with its document convention unless `options.documentPrompt` says
    /// otherwise.
    public func upsert(
        _ documents: [CollectionDocument], into collection: String, options: LateInteractionOptions = LateInteractionOptions()
    ) async throws(EmbeddingClientError) -> UpsertResult {
        var upsert = Multiembed_V1_UpsertRequest()
        upsert.collection = collection
        var wireDocuments: [Multiembed_V1_Document] = []
        wireDocuments.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            var wire = Multiembed_V1_Document()
            wire.id = document.id
            wire.metadata = document.metadata
            if let content = document.content { wire.content = try content.wire(name: "document \(index)") }
            wire.pooled = document.pooled ?? []
            wireDocuments.append(wire)
        }
        upsert.documents = wireDocuments
        switch options.documentPrompt {
        case nil: upsert.prompt = nil
        case .named(let name)?: upsert.promptName = name
        case .instruction(let text)?: upsert.instruction = text
        case .disabled?: upsert.instruction = ""
        }
        upsert.truncate = options.truncate.wire
        var request = Multiembed_V1_Request()
        request.upsert = upsert
        let response = try await self.send(request, timeout: options.timeout, deadline: options.deadline)
        guard case .upsert(let body)? = response.body else {
            throw .invalidResponse("the answer to an Upsert request has no upsert body")
        }
        return UpsertResult(upserted: Int(body.upserted), usage: Usage(body.usage))
    }

    /// Deletes the documents of `ids` from `collection`, durably; returns how many existed.
    /// Ids that do not exist are not an error.
    @discardableResult
    public func delete(
        ids: [String], from collection: String, timeout: Duration? = nil
    ) async throws(EmbeddingClientError) -> Int {
        var delete = Multiembed_V1_DeleteRequest()
        delete.collection = collection
        delete.ids = ids
        var request = Multiembed_V1_Request()
        request.delete = delete
        let response = try await self.send(request, timeout: timeout)
        guard case .delete(let body)? = response.body else {
            throw .invalidResponse("the answer to a Delete request has no delete body")
        }
        return Int(body.deleted)
    }

    /// The documents of `ids` that exist in `collection`, in the order asked (missing ids left
    /// out), with their stored vectors when `includeVectors`.
    public func get(
        ids: [String], from collection: String, includeVectors: Bool = false, timeout: Duration? = nil
    ) async throws(EmbeddingClientError) -> [RetrievedDocument] {
        var get = Multiembed_V1_GetRequest()
        get.collection = collection
        get.ids = ids
        get.includeVectors = includeVectors
        var request = Multiembed_V1_Request()
        request.get = get
        let response = try await self.send(request, timeout: timeout)
        guard case .get(let body)? = response.body else {
            throw .invalidResponse("the answer to a Get request has no get body")
        }
        var documents: [RetrievedDocument] = []
        documents.reserveCapacity(body.documents.count)
        for document in body.documents {
            var vectors: [[Float]]? = nil
            if case .vectors(let wire)? = document.content.kind {
                vectors = try EncodedMultiVector(
                    encoding: .float32, count: Int(wire.count), dimension: Int(wire.dimension), data: wire.data,
                    scales: wire.scales
                ).values
            }
            documents.append(RetrievedDocument(
                id: document.id, metadata: document.metadata, vectors: vectors, pooled: document.pooled.isEmpty ? nil : document.pooled,
                pageText: document.hasPageText ? PageText(document.pageText) : nil))
        }
        return documents
    }

    /// The `topK` (1 to ``Limits/maxTopK``) best documents of `collection` for `query`, best
    /// first, ties by id: by MaxSim, dense similarity or both as `parameters.mode` says (the
    /// collection's own by default); only `filterIDs` are candidates when it is not empty, and
    /// only documents matching `parameters.filterMetadata`. A text query is embedded with the
    /// model's query convention unless `options.queryPrompt` says otherwise. `query` may be nil
    /// for a dense search given `parameters.queryPooled`.
    public func search(
        _ query: VectorSource?, in collection: String, topK: Int = 10, filterIDs: [String] = [],
        parameters: SearchParameters = SearchParameters(), options: LateInteractionOptions = LateInteractionOptions()
    ) async throws(EmbeddingClientError) -> SearchResult {
        var search = Multiembed_V1_SearchRequest()
        search.collection = collection
        if let query { search.query = try query.wire(name: "query") }
        search.topK = Int32(clamping: topK)
        search.filterIds = filterIDs
        search.mode = parameters.mode.wire
        search.metric = parameters.metric.wire
        search.candidates = try Self.unsigned(parameters.candidates ?? 0, "candidates")
        search.probes = try Self.unsigned(parameters.probes ?? 0, "probes")
        search.filterMetadata = parameters.filterMetadata
        search.queryPooled = parameters.queryPooled ?? []
        search.includeMatches = parameters.includeMatches
        switch options.queryPrompt {
        case nil: search.prompt = nil
        case .named(let name)?: search.promptName = name
        case .instruction(let text)?: search.instruction = text
        case .disabled?: search.instruction = ""
        }
        search.truncate = options.truncate.wire
        var request = Multiembed_V1_Request()
        request.search = search
        let response = try await self.send(request, timeout: options.timeout, deadline: options.deadline)
        guard case .search(let body)? = response.body else {
            throw .invalidResponse("the answer to a Search request has no search body")
        }
        return SearchResult(
            hits: body.hits.map { SearchResult.Hit(id: $0.id, score: $0.score, metadata: $0.metadata, matches: $0.matches.map(MatchedWord.init),
                    matchedPatches: $0.matchedPatches.map(MatchedPatch.init)) },
            usage: Usage(body.usage))
    }

    /// The MaxSim score of each of `documents` against `query`, in order (re-ranking). Inputs
    /// are embedded by `options.model` with its query and document conventions; all vectors
    /// must have one width. One bad document fails the call.
    ///
    /// Either side may be ``VectorSource/stored(id:)``, a document of `collection`, mixed
    /// freely with inputs and vectors: re-ranking candidates that are already stored then
    /// costs no upload of their vectors. `collection` is needed only for stored ids; when given,
    /// every side must have its dimension (FAILED_PRECONDITION otherwise). An id it does not
    /// hold is NOT_FOUND (with an ``InputError`` for a document); an unknown collection is
    /// NOT_FOUND. With a collection, its model embeds the inputs (`options.model` empty or the
    /// same; another is FAILED_PRECONDITION).
    public func score(
        query: VectorSource, documents: [VectorSource], collection: String? = nil,
        options: LateInteractionOptions = LateInteractionOptions()
    ) async throws(EmbeddingClientError) -> ScoreResult {
        var score = Multiembed_V1_ScoreRequest()
        score.model = options.model
        score.collection = collection ?? ""
        score.query = try query.wire(name: "query")
        var wireDocuments: [Multiembed_V1_MultiVectorSource] = []
        wireDocuments.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            wireDocuments.append(try document.wire(name: "document \(index)"))
        }
        score.documents = wireDocuments
        switch options.queryPrompt {
        case nil: score.queryPrompt = nil
        case .named(let name)?: score.queryPromptName = name
        case .instruction(let text)?: score.queryInstruction = text
        case .disabled?: score.queryInstruction = ""
        }
        switch options.documentPrompt {
        case nil: score.documentPrompt = nil
        case .named(let name)?: score.documentPromptName = name
        case .instruction(let text)?: score.documentInstruction = text
        case .disabled?: score.documentInstruction = ""
        }
        score.truncate = options.truncate.wire
        var request = Multiembed_V1_Request()
        request.score = score
        let response = try await self.send(request, timeout: options.timeout, deadline: options.deadline)
        guard case .score(let body)? = response.body else {
            throw .invalidResponse("the answer to a Score request has no score body")
        }
        guard body.scores.count == documents.count else {
            throw .invalidResponse("\(body.scores.count) scores for \(documents.count) documents")
        }
        return ScoreResult(scores: body.scores, usage: Usage(body.usage))
    }

    /// A count or size as the wire's uint32; a negative or oversized value is refused before
    /// sending.
    static func unsigned(_ value: Int, _ name: String) throws(EmbeddingClientError) -> UInt32 {
        guard let wire = UInt32(exactly: value) else {
            throw .invalidRequest("\(name) must be 0 to \(UInt32.max), got \(value)")
        }
        return wire
    }
}
