internal import WireProtocol

/// The answer to an embed call: one ``Embedding`` per input, in input order.
public struct EmbedResult: Sendable, Hashable {
    /// One per input, `embeddings[i].index == i`. An input that failed has `error` set and no
    /// vectors.
    public var embeddings: [Embedding]
    /// The inputs that failed, in index order (empty when all succeeded).
    public var inputErrors: [InputError]
    /// What the request cost on the server.
    public var usage: Usage
    /// The model that computed the embeddings (the default model's name when none was asked).
    public var model: String

    /// The pooled vectors, decoded, one per input (nil for a failed input or multi-vector-only
    /// output): the common case of "give me the vectors".
    public var pooledVectors: [[Float]?] { self.embeddings.map { $0.pooled?.values } }

    /// The multi-vectors, decoded, one per input (nil for a failed input or pooled-only output):
    /// what a late-interaction index stores.
    public var multiVectors: [[[Float]]?] { self.embeddings.map { $0.multiVector?.values } }
}

/// The vectors of one input.
public struct Embedding: Sendable, Hashable {
    /// Position of the input in the request, from 0.
    public var index: Int
    /// The pooled vector (for ``EmbedOptions/Output/pooled`` and ``EmbedOptions/Output/both``).
    public var pooled: EncodedVector?
    /// One vector per token or patch (for `multiVector` and `both`).
    public var multiVector: EncodedMultiVector?
    /// Whether the text was cut to the model's token limit.
    public var truncated: Bool
    /// Why this input failed, when it did.
    public var error: InputError?
    /// For a page input: the text layer the server read.
    public var pageText: PageText? = nil
}

/// The work a request took on the server, for accounting and latency breakdowns.
public struct Usage: Sendable, Hashable {
    /// Text tokens run through the model (prompts and special tokens included).
    public var tokens: Int
    /// Pixels of decoded images, summed.
    public var pixels: Int
    /// Patches run through the vision tower.
    public var patches: Int
    /// From the server's receipt to the first model batch holding one of the inputs.
    public var queueTime: Duration
    /// Model time of the batches that computed the inputs (shared with other requests).
    public var inferenceTime: Duration
}

extension InputError {
    init(_ wire: Multiembed_V1_InputError) {
        self.init(index: Int(wire.index), code: StatusCode(wire.code), message: wire.message)
    }
}

extension Usage {
    init(_ wire: Multiembed_V1_Usage) {
        self.tokens = Int(clamping: wire.tokens)
        self.pixels = Int(clamping: wire.pixels)
        self.patches = Int(clamping: wire.patches)
        self.queueTime = .microseconds(Int64(clamping: wire.queueTimeUs))
        self.inferenceTime = .microseconds(Int64(clamping: wire.inferenceTimeUs))
    }
}

extension EmbedResult {
    /// Reads the server's answer to a request of `inputCount` inputs in `encoding`, checking
    /// what the contract promises (one embedding per input, in order; vector bytes matching
    /// their dimension), so a broken or hostile server yields an error rather than a crash or
    /// vectors that silently belong to the wrong input.
    init(
        _ wire: Multiembed_V1_EmbedResponse, status: Multiembed_V1_Status, inputCount: Int,
        encoding: VectorEncoding
    ) throws(EmbeddingClientError) {
        guard wire.embeddings.count == inputCount else {
            throw .invalidResponse(
                "\(wire.embeddings.count) embeddings for a request of \(inputCount) inputs")
        }
        let inputErrors = status.inputErrors.map(InputError.init)
        var errorsByIndex: [Int: InputError] = [:]
        for error in inputErrors {
            guard (0..<inputCount).contains(error.index) else {
                throw .invalidResponse(
                    "an input error names input \(error.index) of a request of \(inputCount)")
            }
            errorsByIndex[error.index] = error
        }
        var embeddings: [Embedding] = []
        embeddings.reserveCapacity(inputCount)
        for (position, item) in wire.embeddings.enumerated() {
            guard Int(item.index) == position else {
                throw .invalidResponse("embedding \(position) has index \(item.index)")
            }
            var pooled: EncodedVector? = nil
            if item.hasPooled {
                pooled = try EncodedVector(
                    encoding: encoding, dimension: Int(item.pooled.dimension),
                    data: item.pooled.data, scale: item.pooled.scale)
            }
            var multiVector: EncodedMultiVector? = nil
            if item.hasMultiVector {
                let wireRows = item.multiVector
                multiVector = try EncodedMultiVector(
                    encoding: encoding, count: Int(wireRows.count),
                    dimension: Int(wireRows.dimension), data: wireRows.data,
                    scales: wireRows.scales)
            }
            embeddings.append(
                Embedding(
                    index: position, pooled: pooled, multiVector: multiVector,
                    truncated: item.truncated, error: errorsByIndex[position],
                    pageText: item.hasPageText ? PageText(item.pageText) : nil))
        }
        self.init(
            embeddings: embeddings, inputErrors: inputErrors, usage: Usage(wire.usage),
            model: wire.model)
    }
}
