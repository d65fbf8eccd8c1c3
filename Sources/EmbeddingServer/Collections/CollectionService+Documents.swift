import Foundation
import LateInteraction
import Pages
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
        guard !request.documents.isEmpty else { throw .invalidArgument("the request has no documents") }
        try checkCount(request.documents.count, of: "documents")
        let documents = try await expandingPDFs(request.documents)
        try checkCount(documents.count, of: "documents (a PDF's pages counted one by one)")
        let catalog = self.catalog, name = request.collection
        let spec = try await offLoop { () throws(ServerError) in try catalog.spec(of: name) }

        let ids = documents.map(\.id)
        var early = CollectionRules.idFailures(ids)
        for (index, document) in documents.enumerated() where early[index] == nil {
            early[index] = CollectionRules.metadataFailure(document.metadata, index: index)
                ?? Self.pooledFailure(document, index: index, spec: spec)
        }
        if !early.isEmpty {
            throw Self.batchFailure(early.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, of: documents.count, items: "documents")
        }

        // A dense collection's document given as its pooled vector needs no model.
        let dense = spec.kind == .dense
        let toResolve = documents.indices.filter { !dense || documents[$0].hasContent }
        var resolver = MultiVectorResolver(
            collections: self, embedder: embedder(for: spec), role: .document, prompt: PromptChoice(request.prompt),
            truncate: request.truncate, requirements: requirements(for: spec))
        resolver.outputs = dense ? .pooled : .both
        let resolved = try await resolver.resolve(
            toResolve.map { documents[$0].content }, name: { "document \(toResolve[$0]) (id '\(ids[toResolve[$0]])')" },
            receivedAt: receivedAt, deadline: deadline)
        guard resolved.failures.isEmpty else {
            throw Self.batchFailure(
                resolved.failures.map { (toResolve[$0.index], $0.error) }, of: documents.count, items: "documents")
        }
        // Nothing is written for a client that has stopped waiting.
        if let deadline, ContinuousClock.now > deadline { throw .deadlineExceeded }
        var tokens = [MultiVector?](repeating: nil, count: documents.count)
        var attachments = [PageAttachment?](repeating: nil, count: documents.count)
        var pooled = documents.map { $0.pooled.isEmpty ? nil : $0.pooled }
        for (position, index) in toResolve.enumerated() {
            tokens[index] = resolved.vectors[position]
            attachments[index] = resolved.pages[position]
            // The model's pooled embedding, unless the client gave one; a model whose pooled
            // width differs from its token vectors' has none a multi-vector collection can keep.
            if pooled[index] == nil, let embedded = resolved.pooled[position], embedded.count == spec.dimension {
                pooled[index] = embedded
            }
        }
        var stored: [StoredDocument] = []
        stored.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            let vectors: MultiVector
            if dense {
                guard pooled[index] != nil else { throw ServerError(.internal, "document '\(document.id)' has no pooled vector after resolving") }
                vectors = .none(dimension: spec.dimension)
            } else {
                guard let resolvedVectors = tokens[index] else {
                    throw ServerError(.internal, "document '\(document.id)' has no vectors after resolving")
                }
                vectors = resolvedVectors
            }
            stored.append(StoredDocument(
                id: document.id, vectors: vectors, pooled: pooled[index], metadata: document.metadata,
                attachment: attachments[index].map { attachment in
                    // Pooled clusters mix words: keep the text layer, not the word of each vector.
                    spec.poolFactor > 1 ? PageAttachment(page: attachment.page, vectorWords: []).encoded() : attachment.encoded()
                }))
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
    /// `reservation` is charged the answer's size once the documents are found and before the
    /// answer is built, so a client that asks for large documents and does not read its answers
    /// holds no more than its connection's answer budget; an answer over max_response_bytes is
    /// refused before it is built.
    func get(_ request: Multiembed_V1_GetRequest, reservation: AnswerReservation? = nil) async throws(ServerError) -> Multiembed_V1_GetResponse {
        try CollectionRules.checkName(request.collection)
        try checkCount(request.ids.count, of: "ids")
        let catalog = self.catalog, name = request.collection, ids = request.ids, includeVectors = request.includeVectors
        let found = try await offLoop { () throws(ServerError) in
            _ = try catalog.spec(of: name)
            let store = try catalog.store
            do throws(LateInteractionError) { return try store.get(ids, from: name) } catch { throw ServerError(error) }
        }
        let bytes = found.reduce(0) { $0 + Self.answerBytes(of: $1, includeVectors: includeVectors) }
        guard bytes <= limits.maxResponseBytes else {
            throw ServerError(
                .resourceExhausted,
                "the \(found.count) documents asked for would take about \(bytes) bytes, more than max_response_bytes "
                    + "(\(limits.maxResponseBytes)): ask for fewer ids at a time"
                    + (includeVectors ? ", or without include_vectors" : ""))
        }
        try await reservation?.reserve(bytes)
        return try await offLoop { () throws(ServerError) in
            var response = Multiembed_V1_GetResponse()
            response.documents = found.map { stored in
                var document = Multiembed_V1_Document()
                document.id = stored.id
                document.metadata = stored.metadata
                if includeVectors {
                    // A dense collection's documents have no token vectors, only the pooled one.
                    if stored.vectors.count > 0 { document.content.vectors = stored.vectors.wire }
                    document.pooled = stored.pooled ?? []
                }
                if let bytes = stored.attachment, let attachment = PageAttachment.decode(bytes) {
                    document.pageText = attachment.wire
                }
                return document
            }
            return response
        }
    }

    /// About how many bytes `stored` takes in a Get answer: its vectors as float32, its text
    /// layer (the stored attachment is close to its wire size), id, metadata and framing.
    static func answerBytes(of stored: StoredDocument, includeVectors: Bool) -> Int {
        var bytes = 32 + stored.id.utf8.count + stored.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 8 }
        if includeVectors {
            bytes += stored.vectors.count * stored.vectors.dimension * 4 + 16
            bytes += (stored.pooled?.count ?? 0) * 4
        }
        bytes += stored.attachment?.count ?? 0
        return bytes
    }

    /// Why a document's content and pooled vector do not fit the collection's kind, or nil.
    /// A dense collection takes an input (embedded into its pooled vector) or a pooled vector;
    /// a multi-vector one takes content, with an optional pooled vector beside it.
    static func pooledFailure(_ document: Multiembed_V1_Document, index: Int, spec: CollectionSpec) -> ServerError? {
        let name = "document \(index) (id '\(document.id)')"
        if spec.kind == .dense {
            switch document.content.kind {
            case .vectors:
                return .invalidArgument("\(name): collection '\(spec.name)' is dense: send the document's one vector as `pooled`, not as vectors")
            case .documentID:
                return .invalidArgument("\(name): document_id sources are for ScoreRequest only")
            case .input where !document.pooled.isEmpty:
                return .invalidArgument("\(name): give an input or a pooled vector, not both: the input's pooled embedding is the document")
            case nil where document.pooled.isEmpty:
                return .invalidArgument("\(name): has neither an input nor a pooled vector")
            case .input, nil:
                break
            }
        }
        guard !document.pooled.isEmpty else { return nil }
        do throws(ServerError) {
            try CollectionRules.checkPooled(document.pooled, dimension: spec.dimension, name: name)
        } catch { return error }
        return nil
    }

    /// A document whose content is a whole PDF (a Page input with a PDF and page_number 0)
    /// becomes one document per page, ids "<id>#<n>" from 1, in order; others stay as they are.
    func expandingPDFs(_ documents: [Multiembed_V1_Document]) async throws(ServerError) -> [Multiembed_V1_Document] {
        guard documents.contains(where: Self.isWholePDF) else { return documents }
        var expanded: [Multiembed_V1_Document] = []
        for (index, document) in documents.enumerated() {
            guard Self.isWholePDF(document), case .pdf(let data)? = document.content.input.page.source else {
                expanded.append(document)
                continue
            }
            let name = "document \(index) (id '\(document.id)')"
            let count = try await embedding.pageInputs.pageCount(ofPDF: data, name: name)
            for number in 1 ... max(1, count) {
                var page = document
                page.id = "\(document.id)#\(number)"
                page.content.input.page.pageNumber = UInt32(number)
                expanded.append(page)
            }
        }
        return expanded
    }

    static func isWholePDF(_ document: Multiembed_V1_Document) -> Bool {
        guard case .input(let input)? = document.content.kind, case .page(let page)? = input.kind,
              case .pdf? = page.source else { return false }
        return page.pageNumber == 0
    }
}
