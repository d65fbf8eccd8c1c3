import Encoders
import LateInteraction

/// Text queries as late-interaction multi-vectors, the way `search` and `eval retrieval` both
/// need them: a ColBERT-style model applies its query marker and [MASK] expansion; any other
/// model gives its token vectors (last hidden state, L2-normalised) under its "query" prompt
/// when it defines one (``RetrievalSide``), as the server does.
func queryMultiVectors(_ bundle: ModelBundle, _ queries: [String]) throws -> [MultiVector] {
    let rows: [[[Float]]]
    if let colbert = bundle.lateInteraction {
        rows = try colbert.encodeQueries(queries)
    } else {
        let embedder = try textEmbedder(of: bundle)
        let results = try embedder.embed(queries, options: embedder.retrievalOptions(.query, output: .multiVector))
        rows = try results.map { try $0.get().tokenVectors ?? [] }
    }
    return try zip(queries.indices, rows).map { index, vectors in
        try MultiVector(rows: vectors, context: "query \(index + 1)")
    }
}
