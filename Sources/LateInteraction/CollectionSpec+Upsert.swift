extension CollectionSpec {
    /// The checks every store applies to an upsert into a collection of these settings, and the
    /// token pooling and first-n truncation it stores: ids of 1 to 1024 bytes, unique within the
    /// call; a dense collection's documents carry a pooled vector and no token vectors; every
    /// vector has the collection's width and finite values. Errors name the collection and the
    /// document. One place, so that every store refuses and stores the same documents.
    public func preparedForUpsert(
        _ documents: [StoredDocument]
    ) throws(LateInteractionError) -> [(document: StoredDocument, vectors: MultiVector)] {
        var seen = Set<String>()
        var prepared: [(document: StoredDocument, vectors: MultiVector)] = []
        prepared.reserveCapacity(documents.count)
        for document in documents {
            try Self.checkID(document.id, collection: name)
            guard seen.insert(document.id).inserted else { throw .duplicateID(collection: name, id: document.id) }
            let context = "collection '\(name)' document '\(document.id)'"
            if kind == .dense {
                guard document.pooled != nil else {
                    throw .invalidArgument("\(context): a dense collection stores one pooled vector per document, and this one has none")
                }
                guard document.vectors.count == 0 else {
                    throw .invalidArgument("\(context): a dense collection stores no token vectors (give the pooled vector only)")
                }
            }
            guard document.vectors.dimension == dimension else {
                throw .dimensionMismatch(context: context, expected: dimension, actual: document.vectors.dimension)
            }
            if let pooled = document.pooled {
                guard pooled.count == dimension else {
                    throw .dimensionMismatch(context: context + " pooled vector", expected: dimension, actual: pooled.count)
                }
                guard pooled.allSatisfy(\.isFinite) else { throw .nonFiniteValue(context: context + " pooled vector") }
            }
            var vectors = document.vectors.count == 0 ? document.vectors : try TokenPooling.pooled(document.vectors, factor: poolFactor)
            if let limit = maxVectors { vectors = vectors.prefix(limit) }
            prepared.append((document, vectors))
        }
        return prepared
    }

    /// Document ids are 1 to 1024 bytes of UTF-8.
    static func checkID(_ id: String, collection: String) throws(LateInteractionError) {
        guard !id.isEmpty, id.utf8.count <= 1024 else {
            throw .invalidArgument("collection '\(collection)': ids must be 1 to 1024 bytes, got \(id.utf8.count)")
        }
    }
}
