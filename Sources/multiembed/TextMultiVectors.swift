import Encoders
import LateInteraction

/// Texts as late-interaction multi-vectors for one side of a search, the way `search`,
/// `eval retrieval` and `bench maxsim --model` need them: a ColBERT-style model applies its
/// query or document conventions (markers, [MASK] expansion, skip list); any other model gives
/// its token vectors (last hidden state, L2-normalised) under its "query" / "document" prompt
/// when it defines one (``RetrievalSide``), as the server does.
func textMultiVectors(_ bundle: ModelBundle, _ texts: [String], side: RetrievalSide) throws -> [MultiVector] {
    let rows: [[[Float]]]
    if let colbert = bundle.lateInteraction {
        rows = try side == .query ? colbert.encodeQueries(texts) : colbert.encodeDocuments(texts)
    } else {
        let embedder = try textEmbedder(of: bundle)
        let results = try embedder.embed(texts, options: embedder.retrievalOptions(side, output: .multiVector))
        rows = try results.map { try $0.get().tokenVectors ?? [] }
    }
    return try zip(texts.indices, rows).map { index, vectors in
        try MultiVector(rows: vectors, context: "\(side.promptName) \(index + 1)")
    }
}
