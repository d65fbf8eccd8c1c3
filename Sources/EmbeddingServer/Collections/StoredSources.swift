import LateInteraction
import WireProtocol

/// The stored documents that a Score request's `document_id` sources name, read from its
/// collection in one ``VectorStore/get(_:from:)`` call for all of them (not one per id), so a
/// request of many stored candidates costs one store lookup.
///
/// The vectors are used exactly as the store returns them: decoded to float32 from the
/// collection's precision (a binary collection's float16 copy), never normalised again, so a
/// stored document's Score equals, bit for bit, the score Search computes for it from the same
/// bytes.
struct StoredSources: Sendable {
    /// The collection the ids are read from.
    let collection: String
    /// Each id found, with its stored vectors; ids the collection does not hold are absent.
    let found: [String: MultiVector]

    /// The ids among `sources`, in order (repeats kept); empty when none is a document_id.
    static func ids(in sources: [Multiembed_V1_MultiVectorSource]) -> [String] {
        sources.compactMap { source -> String? in
            guard case .documentID(let id) = source.kind else { return nil }
            return id
        }
    }

    /// Reads `ids` (repeats read once) from `collection` in one store call. Blocks on disk: call
    /// it off the event loops.
    static func read(_ ids: [String], from collection: String, store: any VectorStore) throws(ServerError) -> StoredSources {
        var unique: [String] = []
        var seen = Set<String>()
        for id in ids where !id.isEmpty && seen.insert(id).inserted { unique.append(id) }
        guard !unique.isEmpty else { return StoredSources(collection: collection, found: [:]) }
        let documents: [StoredDocument]
        do throws(LateInteractionError) { documents = try store.get(unique, from: collection) } catch { throw ServerError(error) }
        let found = Dictionary(documents.map { ($0.id, $0.vectors) }, uniquingKeysWith: { first, _ in first })
        return StoredSources(collection: collection, found: found)
    }

    /// The vectors of stored document `id`, or why there are none: an empty id is
    /// INVALID_ARGUMENT, an id the collection does not hold NOT_FOUND; `name` names the source.
    func vectors(of id: String, name: String) -> Result<MultiVector, ServerError> {
        guard !id.isEmpty else { return .failure(.invalidArgument("\(name): the document_id is empty")) }
        guard let vectors = found[id] else {
            return .failure(.notFound("\(name): collection '\(collection)' has no document '\(id)'"))
        }
        return .success(vectors)
    }

    /// Why a document_id is refused where stored documents are not read (Upsert, Search).
    static func refused(_ id: String, name: String) -> ServerError {
        .invalidArgument("\(name): document_id '\(id)' is accepted by Score only; send an input or vectors")
    }
}
