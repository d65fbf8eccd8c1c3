/// What a collection holds for each document, which decides how it is searched by default.
public enum CollectionKind: String, Sendable, CaseIterable, Codable {
    /// One vector per token or patch, searched by MaxSim; each document may also carry one pooled
    /// vector for dense and hybrid search.
    case multiVector = "multi-vector"
    /// One pooled vector per document (a sentence or image embedding), searched by cosine or dot
    /// product. The vectors are kept as float32 whatever the precision setting.
    case dense
}

/// The similarity of dense search over pooled vectors.
public enum DenseMetric: String, Sendable, CaseIterable {
    /// Cosine of the query and the document's pooled vector.
    case cosine
    /// Dot product of the L2-normalised query with the pooled vector as stored: the ranking of
    /// the raw dot product (the query's norm scales every score alike), on the cosine's scale
    /// when the stored vectors are normalised.
    case dot
}
