import LateInteraction
import WireProtocol

extension CollectionService {
    /// Search: the query resolved with the collection's model (query convention) or given as
    /// vectors, then the `top_k` best documents by MaxSim, ties by id.
    func search(
        _ request: Multiembed_V1_SearchRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Multiembed_V1_SearchResponse {
        try CollectionRules.checkName(request.collection)
        guard request.hasQuery else { throw .invalidArgument("the request has no query") }
        let topK = Int(request.topK)
        guard topK >= 1, topK <= limits.maxTopK else {
            throw .invalidArgument("top_k must be 1 to max_top_k (\(limits.maxTopK)), got \(topK)")
        }
        let catalog = self.catalog, name = request.collection
        let spec = try await offLoop { () throws(ServerError) in try catalog.spec(of: name) }
        let resolver = MultiVectorResolver(
            collections: self, embedder: embedder(for: spec), role: .query, prompt: PromptChoice(request.prompt),
            truncate: request.truncate, requirements: requirements(for: spec))
        let resolved = try await resolver.resolve([request.query], name: { _ in "query" }, receivedAt: receivedAt, deadline: deadline)
        if let failure = resolved.failures.first { throw failure.error }
        guard let query = resolved.vectors[0] else { throw ServerError(.internal, "the query has no vectors after resolving") }
        let filter = request.filterIds.isEmpty ? nil : Set(request.filterIds)
        let hits = try await offLoop { () throws(ServerError) in
            let store = try catalog.store
            do throws(LateInteractionError) {
                return try TieOrderedSearch.search(query, in: name, topK: topK, filter: filter, store: store)
            } catch {
                throw ServerError(error)
            }
        }
        var response = Multiembed_V1_SearchResponse()
        response.hits = hits.map { hit in
            var wire = Multiembed_V1_SearchHit()
            wire.id = hit.id
            wire.score = hit.score
            wire.metadata = hit.metadata
            return wire
        }
        response.usage = resolved.usage
        return response
    }

    /// Score: MaxSim of one query against each document, without a collection. The query and
    /// documents are resolved separately (each with its own convention); every document must
    /// have the query's dimension, and one bad document fails the request.
    func score(
        _ request: Multiembed_V1_ScoreRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Multiembed_V1_ScoreResponse {
        let model = try embedding.model(named: request.model)
        guard request.hasQuery else { throw .invalidArgument("the request has no query") }
        guard !request.documents.isEmpty else { throw .invalidArgument("the request has no documents") }
        try checkCount(request.documents.count, of: "documents")
        let embedder: MultiVectorResolver.Embedder = model.tokenDimension > 0
            ? .model(model)
            : .unavailable(.invalidArgument("model \(model.name) has no multi-vector output (token_dimension 0); send vectors"))
        var requirements = MultiVectorResolver.Requirements(
            dimension: nil, mismatchCode: .invalidArgument, maxVectors: limits.maxVectorsPerDocument)
        let queryResolver = MultiVectorResolver(
            collections: self, embedder: embedder, role: .query, prompt: PromptChoice(request.queryPrompt),
            truncate: request.truncate, requirements: requirements)
        let resolvedQuery = try await queryResolver.resolve(
            [request.query], name: { _ in "query" }, receivedAt: receivedAt, deadline: deadline)
        if let failure = resolvedQuery.failures.first { throw failure.error }
        guard let query = resolvedQuery.vectors[0] else { throw ServerError(.internal, "the query has no vectors after resolving") }

        requirements.dimension = query.dimension
        let documentResolver = MultiVectorResolver(
            collections: self, embedder: embedder, role: .document, prompt: PromptChoice(request.documentPrompt),
            truncate: request.truncate, requirements: requirements)
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
}
