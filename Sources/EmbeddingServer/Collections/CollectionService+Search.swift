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
}
