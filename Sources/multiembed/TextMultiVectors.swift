import Encoders
import LateInteraction

/// Texts as late-interaction multi-vectors for one side of a search, the way `search`,
/// `eval retrieval` and `bench maxsim --model` need them: a ColBERT-style model applies its
/// query or document conventions (markers, [MASK] expansion, skip list); any other model gives
/// its token vectors (last hidden state, L2-normalised) under its "query" / "document" prompt
/// when it defines one (``RetrievalSide``), as the server does.
func textMultiVectors(_ bundle: ModelBundle, _ texts: [String], side: RetrievalSide) throws -> [MultiVector] {
    try textSearchVectors(bundle, texts, side: side, tokens: true, pooled: false).map { $0.tokens! }
}

/// What a search needs of each text: its token vectors, its pooled embedding (the model's
/// sentence embedding, for dense search), or both from one pass of the model.
func textSearchVectors(
    _ bundle: ModelBundle, _ texts: [String], side: RetrievalSide, tokens: Bool, pooled: Bool
) throws -> [(tokens: MultiVector?, pooled: [Float]?)] {
    let rows: [(tokens: [[Float]]?, pooled: [Float]?)]
    if let colbert = bundle.lateInteraction {
        guard !pooled else { throw CommandFailure("model \(bundle.name) (ColBERT) has no pooled embedding for dense search") }
        let encoded = try side == .query ? colbert.encodeQueries(texts) : colbert.encodeDocuments(texts)
        rows = encoded.map { ($0, nil) }
    } else if let visual = bundle.lateInteractionVisual {
        // A visual-document model (ColModernVBERT): queries through its query prompt; text
        // documents as queries too, since it has no text-document path of its own.
        guard !pooled else { throw CommandFailure("model \(bundle.name) (a visual late-interaction model) has no pooled embedding for dense search") }
        rows = try visual.encode(queries: texts).map { ($0, nil) }
    } else {
        let embedder = try textEmbedder(of: bundle)
        let output: EmbeddingOutput = tokens && pooled ? .both : tokens ? .multiVector : .pooled
        let results = try embedder.embed(texts, options: embedder.retrievalOptions(side, output: output))
        rows = try results.map { result in
            let embedding = try result.get()
            return (tokens ? embedding.tokenVectors ?? [] : nil, pooled ? embedding.pooled : nil)
        }
    }
    return try zip(texts.indices, rows).map { index, row in
        let context = "\(side.promptName) \(index + 1)"
        return (try row.tokens.map { try MultiVector(rows: $0, context: context) }, row.pooled)
    }
}
