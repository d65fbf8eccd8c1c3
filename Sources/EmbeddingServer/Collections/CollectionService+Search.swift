import LateInteraction
import Pages
import WireProtocol

extension CollectionService {
    /// Search: the query resolved with the collection's model (query convention) into what the
    /// mode scores (token vectors, pooled embedding, or both from one pass), then the `top_k`
    /// best documents among those the filters admit, ties by id.
    func search(
        _ request: Multiembed_V1_SearchRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Multiembed_V1_SearchResponse {
        try CollectionRules.checkName(request.collection)
        let topK = Int(request.topK)
        guard topK >= 1, topK <= limits.maxTopK else {
            throw .invalidArgument("top_k must be 1 to max_top_k (\(limits.maxTopK)), got \(topK)")
        }
        let requestedMode = try CollectionQuery.Mode(wire: request.mode)
        let metric = try DenseMetric(wire: request.metric)
        let catalog = self.catalog, name = request.collection
        let spec = try await offLoop { () throws(ServerError) in try catalog.spec(of: name) }
        let mode = requestedMode ?? (spec.kind == .dense ? .dense : .maxSim)
        if spec.kind == .dense, mode != .dense {
            throw .invalidArgument(
                "collection '\(name)' is dense (one pooled vector per document): search it with SEARCH_MODE_DENSE, not \(mode.rawValue)")
        }
        let needsTokens = mode.scoresTokens
        let needsPooled = mode.scoresPooled && request.queryPooled.isEmpty
        if needsTokens, !request.hasQuery { throw .invalidArgument("the request has no query") }
        if needsPooled {
            guard request.hasQuery else { throw .invalidArgument("the request has no query (nor query_pooled)") }
            guard case .input = request.query.kind else {
                throw .invalidArgument("a \(mode.rawValue) search whose query is not an input needs query_pooled: vectors have no pooled embedding")
            }
        }

        var query = CollectionQuery(
            mode: mode, topK: topK, metric: metric, candidates: request.candidates == 0 ? nil : Int(request.candidates),
            probes: request.probes == 0 ? nil : Int(request.probes),
            filter: DocumentFilter(ids: request.filterIds.isEmpty ? nil : Set(request.filterIds), metadata: request.filterMetadata))
        var usage = Multiembed_V1_Usage()
        if needsTokens || needsPooled {
            var resolver = MultiVectorResolver(
                collections: self, embedder: embedder(for: spec), role: .query, prompt: PromptChoice(request.prompt),
                truncate: request.truncate, requirements: requirements(for: spec))
            resolver.outputs = needsTokens && needsPooled ? .both : needsTokens ? .tokens : .pooled
            let resolved = try await resolver.resolve([request.query], name: { _ in "query" }, receivedAt: receivedAt, deadline: deadline)
            if let failure = resolved.failures.first { throw failure.error }
            usage = resolved.usage
            if needsTokens {
                guard let tokens = resolved.vectors[0] else { throw ServerError(.internal, "the query has no vectors after resolving") }
                query.tokens = tokens
            }
            if needsPooled {
                guard let pooled = resolved.pooled[0] else {
                    throw .invalidArgument("model \(spec.model ?? "?") has no pooled embedding of the query; send query_pooled")
                }
                query.pooled = pooled
            }
        }
        if !request.queryPooled.isEmpty, mode.scoresPooled { query.pooled = request.queryPooled }
        if let pooled = query.pooled {
            try CollectionRules.checkPooled(pooled, dimension: spec.dimension, name: "query_pooled")
        }
        let prepared = query
        let hits = try await offLoop { () throws(ServerError) in
            let store = try catalog.store
            do throws(LateInteractionError) {
                return try store.search(prepared, in: name)
            } catch {
                throw ServerError(error)
            }
        }
        var matches: [String: (words: [MatchedWord], patches: [MatchedPatch])] = [:]
        if request.includeMatches, let tokens = query.tokens, !hits.isEmpty {
            let ignored = ignoredQueryVectors(request.query, count: tokens.count, spec: spec, prompt: PromptChoice(request.prompt))
            let ids = hits.map(\.id)
            matches = try await offLoop { () throws(ServerError) in
                let store = try catalog.store
                let documents: [StoredDocument]
                do throws(LateInteractionError) { documents = try store.get(ids, from: name) } catch { throw ServerError(error) }
                var found: [String: (words: [MatchedWord], patches: [MatchedPatch])] = [:]
                for document in documents {
                    guard let bytes = document.attachment, let attachment = PageAttachment.decode(bytes) else { continue }
                    found[document.id] = (
                        PageMatches.words(query: tokens, document: document.vectors, attachment: attachment, ignoredQueryVectors: ignored),
                        PageMatches.patches(query: tokens, document: document.vectors, attachment: attachment, ignoredQueryVectors: ignored))
                }
                return found
            }
        }
        var response = Multiembed_V1_SearchResponse()
        response.hits = hits.map { hit in
            var wire = Multiembed_V1_SearchHit()
            wire.id = hit.id
            wire.score = hit.score
            wire.metadata = hit.metadata
            wire.matches = (matches[hit.id]?.words ?? []).map(\.wire)
            wire.matchedPatches = (matches[hit.id]?.patches ?? []).map(\.wire)
            return wire
        }
        response.usage = usage
        return response
    }

    /// The query vectors that are not words of a text query: the model's special tokens at
    /// either end, whose maxima say nothing about where a page matched.
    func ignoredQueryVectors(
        _ source: Multiembed_V1_MultiVectorSource, count: Int, spec: CollectionSpec, prompt: PromptChoice = .convention
    ) -> Set<Int> {
        guard case .input(let input)? = source.kind, case .text(let text)? = input.kind,
              case .model(let model) = embedder(for: spec) else { return [] }
        if let colbert = model.bundle.lateInteraction {
            // Its marker and [MASK] expansion too, found in the query as encoded: with an
            // instruction prepended, as the resolver does.
            let prefix: String
            if case .instruction(let instruction) = prompt { prefix = instruction } else { prefix = "" }
            return PageMatches.specialTokenVectors(ofQuery: prefix + text, encoder: colbert)
        }
        guard let tokenizer = model.bundle.text?.tokenizer else { return [] }
        return PageMatches.specialTokenVectors(count: count, tokenizer: tokenizer)
    }
}
