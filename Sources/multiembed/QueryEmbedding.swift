import Encoders
import LateInteraction

/// Text queries as late-interaction multi-vectors, the way `search` and `eval retrieval` both
/// need them: a ColBERT-style model applies its query marker and [MASK] expansion; any other
/// model gives its token vectors (last hidden state, L2-normalised).
func queryMultiVectors(_ bundle: ModelBundle, _ queries: [String]) throws -> [MultiVector] {
    let rows: [[[Float]]]
    if let colbert = bundle.lateInteraction {
        rows = try colbert.encodeQueries(queries)
    } else {
        let results = try textEmbedder(of: bundle).embed(queries, options: TextEmbeddingOptions(output: .multiVector))
        rows = try results.map { try $0.get().tokenVectors ?? [] }
    }
    return try zip(queries.indices, rows).map { index, vectors in
        try MultiVector(rows: vectors, context: "query \(index + 1)")
    }
}
