import LateInteraction
import WireProtocol

extension CollectionService {
    /// Upsert, all or nothing: ids and metadata are checked first (a request with a bad id costs
    /// no model time), then every document's vectors are resolved (embedded or decoded and
    /// normalised); any failure refuses the whole request with an InputError per bad document.
    /// Only then is the batch written, in one append and one fsync, before the response.
    func upsert(
        _ request: Multiembed_V1_UpsertRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Multiembed_V1_UpsertResponse {
        try CollectionRules.checkName(request.collection)
        let documents = request.documents
        guard !documents.isEmpty else { throw .invalidArgument("the request has no documents") }
        try checkCount(documents.count, of: "documents")
        let catalog = self.catalog, name = request.collection
        let spec = try await offLoop { () throws(ServerError) in try catalog.spec(of: name) }

        let ids = documents.map(\.id)
        var early = CollectionRules.idFailures(ids)
        for (index, document) in documents.enumerated() where early[index] == nil {
            early[index] = CollectionRules.metadataFailure(document.metadata, index: index)
        }
        if !early.isEmpty {
            throw Self.batchFailure(early.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, of: documents.count, items: "documents")
        }

        let resolver = MultiVectorResolver(
            collections: self, embedder: embedder(for: spec), role: .document, prompt: PromptChoice(request.prompt),
            truncate: request.truncate, requirements: requirements(for: spec))
        let resolved = try await resolver.resolve(
            documents.map(\.content), name: { "document \($0) (id '\(ids[$0])')" }, receivedAt: receivedAt, deadline: deadline)
        guard resolved.failures.isEmpty else {
            throw Self.batchFailure(resolved.failures, of: documents.count, items: "documents")
        }
        // Nothing is written for a client that has stopped waiting.
        if let deadline, ContinuousClock.now > deadline { throw .deadlineExceeded }
        var stored: [StoredDocument] = []
        stored.reserveCapacity(documents.count)
        for (document, vectors) in zip(documents, resolved.vectors) {
            guard let vectors else { throw ServerError(.internal, "document '\(document.id)' has no vectors after resolving") }
            stored.append(StoredDocument(id: document.id, vectors: vectors, metadata: document.metadata))
        }
        let batch = stored
        try await offLoop { () throws(ServerError) in
            let store = try catalog.store
            do throws(LateInteractionError) { try store.put(batch, into: name) } catch { throw ServerError(error) }
        }
        var response = Multiembed_V1_UpsertResponse()
        response.upserted = UInt32(documents.count)
        response.usage = resolved.usage
        return response
    }

    /// Delete by id, durably; ids that do not exist are not an error.
    func delete(_ request: Multiembed_V1_DeleteRequest) async throws(ServerError) -> Multiembed_V1_DeleteResponse {
        try CollectionRules.checkName(request.collection)
        try checkCount(request.ids.count, of: "ids")
        let catalog = self.catalog, name = request.collection, ids = request.ids
        let deleted = try await offLoop { () throws(ServerError) in
            _ = try catalog.spec(of: name)
            guard !ids.isEmpty else { return 0 }
            let store = try catalog.store
            do throws(LateInteractionError) { return try store.delete(ids, from: name) } catch { throw ServerError(error) }
        }
        var response = Multiembed_V1_DeleteResponse()
        response.deleted = UInt32(clamping: deleted)
        return response
    }

    /// Get by id: the documents that exist, in the order asked, their vectors (decoded to
    /// float32 from the stored precision) only when asked for.
    func get(_ request: Multiembed_V1_GetRequest) async throws(ServerError) -> Multiembed_V1_GetResponse {
        try CollectionRules.checkName(request.collection)
        try checkCount(request.ids.count, of: "ids")
        let catalog = self.catalog, name = request.collection, ids = request.ids, includeVectors = request.includeVectors
        return try await offLoop { () throws(ServerError) in
            _ = try catalog.spec(of: name)
            let store = try catalog.store
            let found: [StoredDocument]
            do throws(LateInteractionError) { found = try store.get(ids, from: name) } catch { throw ServerError(error) }
            var response = Multiembed_V1_GetResponse()
            response.documents = found.map { stored in
                var document = Multiembed_V1_Document()
                document.id = stored.id
                document.metadata = stored.metadata
                if includeVectors { document.content.vectors = stored.vectors.wire }
                return document
            }
            return response
        }
    }
}
