/// How a collection stores document vectors: the storage/quality/speed trade-off of the module.
///
/// Queries are always float32; only documents are stored at reduced precision. The measured cost
/// of each choice in retrieval quality is in README.md.
public enum StoragePrecision: String, Sendable, CaseIterable, Codable {
    /// 4 bytes per value; exact.
    case float32
    /// 2 bytes per value (IEEE half), decoded to float32 per block before the product.
    case float16
    /// 1 byte per value plus a float32 scale per vector (`max|x| / 127`).
    case int8
    /// 1 bit per value (the sign) for a Hamming first pass, plus a float16 copy used only to
    /// re-score the best candidates. The copy keeps re-scoring near-exact; the first pass reads
    /// only the bits, so the float16 pages of documents that never become candidates are never
    /// touched (they stay on disk under a memory map).
    case binary

    /// Bytes one document of `count` vectors of width `dimension` occupies, in the layout of
    /// ``VectorCodec``.
    public func encodedSize(count: Int, dimension: Int) -> Int {
        switch self {
        case .float32: count * dimension * 4
        case .float16: count * dimension * 2
        case .int8: count * 4 + count * dimension
        case .binary: count * Self.words(dimension) * 8 + count * dimension * 2
        }
    }

    /// 64-bit words holding the sign bits of one vector.
    static func words(_ dimension: Int) -> Int { (dimension + 63) / 64 }
}
