/// Which side of a retrieval comparison a text is on. Retrieval models embed queries and
/// documents differently (E5's "query: " / "passage: " prompts, ColBERT's [Q] / [D] markers),
/// and a query embedded as a document scores worse, so every path that indexes or searches
/// (the CLI and the server alike) applies the same convention through this type.
public enum RetrievalSide: Sendable {
    case query, document

    /// The prompt name sentence-transformers models use for this side.
    public var promptName: String {
        switch self {
        case .query: "query"
        case .document: "document"
        }
    }
}

extension TextEmbedder {
    /// Options that embed a text as `side` of a search: the model's "query" / "document" prompt
    /// when it defines one, else no prompt at all. Not the model's default prompt, which is
    /// chosen for pooled embeddings, not for one side of a search.
    public func retrievalOptions(_ side: RetrievalSide, output: EmbeddingOutput) -> TextEmbeddingOptions {
        pipeline.prompts[side.promptName] != nil
            ? TextEmbeddingOptions(promptName: side.promptName, output: output)
            : TextEmbeddingOptions(instruction: "", output: output)
    }
}
