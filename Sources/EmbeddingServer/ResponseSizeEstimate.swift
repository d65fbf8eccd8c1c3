import Encoders
import Pages
import WireProtocol

/// An upper bound on the bytes of an Embed response, known once the inputs are prepared (a text's
/// tokens, an image's patch grid) and before anything is computed.
///
/// Why: one 626 KB request (1,024 texts, multi-vector output) produced a 403 MB response frame,
/// took 97 s and grew the server by 1.3 GB. A response must fit `max_response_bytes`; a request
/// whose answer could not is refused RESOURCE_EXHAUSTED at once, with what to ask for instead.
struct ResponseSizeEstimate: Sendable {
    /// Vectors the response would carry, pooled and per token.
    var vectors = 0
    /// Their encoded bytes plus a per-vector allowance for the protobuf framing around them.
    var bytes = 0

    /// Field tags, lengths and the INT8 scale around each vector: 16 bytes is above what any of
    /// them takes.
    static let overheadPerVector = 16
    /// A PageWord's box, confidence, line numbers and framing, without its text.
    static let bytesPerWord = 40

    init(_ preparation: EmbedPreparation, options: EmbedOptions, model: ServedModel) {
        let pooledBytes = VectorEncoding.byteCount(
            dimension: options.text.dimensions ?? model.dimension, encoding: options.encoding) + Self.overheadPerVector
        let tokenBytes = VectorEncoding.byteCount(dimension: model.tokenDimension, encoding: options.encoding)
            + Self.overheadPerVector
        for (_, input) in preparation.ready {
            if options.output.wantsPooledVector {
                vectors += 1
                bytes += pooledBytes
            }
            if options.output.wantsTokenVectors {
                vectors += input.cost
                bytes += input.cost * tokenBytes
            }
            // A page's text layer comes back too: its text, and each word with its box.
            if let page = input.preparedPage {
                bytes += page.page.words.reduce(0) { $0 + 2 * $1.text.utf8.count + Self.bytesPerWord }
                // The image's patch vectors, when asked for, follow the words' token vectors.
                if options.output.wantsTokenVectors, let patches = page.patches?.vectors.count {
                    vectors += patches
                    bytes += patches * tokenBytes
                }
            }
        }
        // Per-input errors and the embedding headers: small, bounded by the inputs' count.
        bytes += (preparation.ready.count + preparation.failures.count) * 64
    }

    /// RESOURCE_EXHAUSTED when the response would be larger than `limit` bytes.
    func check(limit: Int, inputs: Int) throws(ServerError) {
        guard bytes > limit else { return }
        throw ServerError(
            .resourceExhausted,
            "the response would take up to \(bytes) bytes (\(vectors) vectors for \(inputs) inputs), more than "
                + "max_response_bytes (\(limit)); send fewer inputs per request, or ask for pooled output, "
                + "fewer dimensions or a smaller encoding")
    }
}

extension EmbeddingOutput {
    /// Whether the response carries one pooled vector per input.
    var wantsPooledVector: Bool { self != .multiVector }
    /// Whether the response carries a vector per token or patch.
    var wantsTokenVectors: Bool { self != .pooled }
}

extension PreparedInput {
    /// The page whose text layer comes back with the input's vectors, if any.
    var preparedPage: PreparedPage? {
        switch self {
        case .page(let page, _), .latePage(let page): page
        case .text, .image, .lateText, .visualImage, .visualQuery: nil
        }
    }
}
