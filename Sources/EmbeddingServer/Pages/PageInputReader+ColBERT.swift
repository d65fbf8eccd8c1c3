import Encoders
import Pages
import WireProtocol

extension PageInputReader {
    /// Reads a Page input and encodes it with a ColBERT-style model, both on a page thread (the
    /// model's batcher cannot run this encoder): as a document, its words in windows of the
    /// model's document length with the marker and skip list, each kept vector with its word
    /// (``ColBERTPageEmbedder``); as a query, its text through the query path (marker, [MASK]
    /// expansion, cut to the query length), whose vectors map to no word.
    func encodeColBERT(
        _ page: Multiembed_V1_Page, index: Int, encoder: ColBERTTextEncoder, role: RetrievalSide
    ) async -> Result<PageEmbedding, ServerError> {
        if page.includePatches {
            return .failure(.invalidArgument(
                "input \(index): include_patches: a ColBERT-style model has no vision tower to give a page image's patch vectors"))
        }
        return await run { reader in
            reader.readNow(page, index: index).flatMap { text in
                Result { () throws(EmbeddingError) -> PageEmbedding in
                    if role == .query { return try ColBERTPageEmbedder.query(text, with: encoder) }
                    let prepared = ColBERTPageEmbedder.prepare(text, with: encoder)
                    return try PageEmbedder.combine(prepared, windowVectors: try encoder.encodeDocuments(tokenized: prepared.windows.map(\.ids)))
                }.mapError { .invalidArgument("input \(index): \($0.description)") }
            }
        }
    }
}
