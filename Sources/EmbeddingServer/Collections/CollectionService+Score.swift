import LateInteraction
import WireProtocol

extension CollectionService {
    /// Score: MaxSim of one query against each document. The query and documents are resolved
    /// separately (each with its own convention); every document must have the query's
    /// dimension, and one bad document fails the request.
    ///
    /// With `collection` set, the stored documents that `document_id` sources name are read
    /// first, in one store call off the event loops (so a missing id costs no model time), and
    /// every side must have the collection's dimension, FAILED_PRECONDITION otherwise, as in
    /// Search. Inputs are then embedded with the collection's model, as its stored documents were.
    func score(
        _ request: Multiembed_V1_ScoreRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Multiembed_V1_ScoreResponse {
        let requestedModel = request.collection.isEmpty ? try embedding.model(named: request.model) : nil
        guard request.hasQuery else { throw .invalidArgument("the request has no query") }
        guard !request.documents.isEmpty else { throw .invalidArgument("the request has no documents") }
        try checkCount(request.documents.count, of: "documents")
        let (stored, spec) = try await storedSources(for: request)
        let collectionDimension = spec?.dimension
        let embedder = try scoreEmbedder(named: request.model, resolved: requestedModel, collection: spec)
        var requirements = MultiVectorResolver.Requirements(
            dimension: collectionDimension, mismatchCode: collectionDimension == nil ? .invalidArgument : .failedPrecondition,
            maxVectors: limits.maxVectorsPerDocument)
        let queryResolver = MultiVectorResolver(
            collections: self, embedder: embedder, role: .query, prompt: PromptChoice(request.queryPrompt),
            truncate: request.truncate, requirements: requirements, stored: stored)
        let resolvedQuery = try await queryResolver.resolve(
            [request.query], name: { _ in "query" }, receivedAt: receivedAt, deadline: deadline)
        if let failure = resolvedQuery.failures.first { throw failure.error }
        guard let query = resolvedQuery.vectors[0] else { throw ServerError(.internal, "the query has no vectors after resolving") }

        requirements.dimension = query.dimension
        let documentResolver = MultiVectorResolver(
            collections: self, embedder: embedder, role: .document, prompt: PromptChoice(request.documentPrompt),
            truncate: request.truncate, requirements: requirements, stored: stored)
        let resolved = try await documentResolver.resolve(
            request.documents, name: { "document \($0)" }, receivedAt: receivedAt, deadline: deadline)
        guard resolved.failures.isEmpty else {
            throw Self.batchFailure(resolved.failures, of: request.documents.count, items: "documents")
        }
        let documents = resolved.vectors.compactMap { $0 }
        let scores = try await offLoop { () throws(ServerError) in
            do throws(LateInteractionError) {
                let corpus = try EncodedCorpus(documents, dimension: query.dimension, precision: .float32)
                return try MaxSim.scores(query, corpus.view)
            } catch {
                throw ServerError(error)
            }
        }
        var response = Multiembed_V1_ScoreResponse()
        response.scores = scores
        var usage = resolvedQuery.usage
        usage.add(resolved.usage)
        response.usage = usage
        return response
    }

    /// The stored documents `request`'s document_id sources name and its collection's dimension;
    /// (nil, nil) without a collection. An id without a collection is INVALID_ARGUMENT, an
    /// unknown collection NOT_FOUND. Ids the collection does not hold are left for the resolvers
    /// to report, each naming its source.
    /// The model that embeds Score's inputs: the request's, or, with a collection, the model its
    /// documents were embedded with. A collection that records a model refuses another one
    /// (FAILED_PRECONDITION): two models of one dimension would otherwise score against each
    /// other's vectors without any error. A vectors-only collection takes the request's model.
    private func scoreEmbedder(
        named requested: String, resolved: ServedModel?, collection spec: CollectionSpec?
    ) throws(ServerError) -> MultiVectorResolver.Embedder {
        if let spec, let recorded = spec.model {
            guard requested.isEmpty || requested == recorded else {
                throw ServerError(
                    .failedPrecondition,
                    "collection '\(spec.name)' holds vectors of model '\(recorded)'; the request asks for model '\(requested)'")
            }
            return embedder(for: spec)
        }
        let model: ServedModel
        if let resolved { model = resolved } else { model = try embedding.model(named: requested) }
        return model.tokenDimension > 0
            ? .model(model)
            : .unavailable(.invalidArgument("model \(model.name) has no multi-vector output (token_dimension 0); send vectors"))
    }

    private func storedSources(
        for request: Multiembed_V1_ScoreRequest
    ) async throws(ServerError) -> (StoredSources?, CollectionSpec?) {
        let ids = StoredSources.ids(in: [request.query] + request.documents)
        guard !request.collection.isEmpty else {
            guard ids.isEmpty else {
                throw .invalidArgument(
                    "document_id '\(ids[0])' needs ScoreRequest.collection, the collection to read stored documents from")
            }
            return (nil, nil)
        }
        try CollectionRules.checkName(request.collection)
        let catalog = self.catalog, name = request.collection
        return try await offLoop { () throws(ServerError) -> (StoredSources?, CollectionSpec?) in
            let spec = try catalog.spec(of: name)
            guard !ids.isEmpty else { return (StoredSources(collection: name, found: [:]), spec) }
            return (try StoredSources.read(ids, from: name, store: try catalog.store), spec)
        }
    }
}
