import EmbeddingKernels
import Tokenizers

/// Which vectors an embedding request wants back.
public enum EmbeddingOutput: Sendable, Equatable {
    case pooled
    case multiVector
    case both

    var wantsPooled: Bool { self != .multiVector }
    var wantsTokens: Bool { self != .pooled }
}

/// Options of one text embedding request; the defaults are the model's own.
public struct TextEmbeddingOptions: Sendable {
    /// A prompt the model defines ("query", "document", ...); nil uses the model's default prompt.
    public var promptName: String?
    /// A free instruction prepended to every text, instead of a named prompt.
    public var instruction: String?
    /// Matryoshka truncation of the pooled vector, re-normalised afterwards when normalising.
    public var dimensions: Int?
    /// L2-normalise the pooled vector; nil follows the model (its Normalize module).
    public var normalize: Bool?
    /// What to do with texts longer than the limit.
    public var truncation: TruncationPolicy = .end
    /// Token limit (special tokens included), at most the model's; nil uses the model's.
    public var maxLength: Int?
    public var output: EmbeddingOutput = .pooled
    /// Texts encoded per forward pass.
    public var batchSize: Int = 32

    public init(
        promptName: String? = nil, instruction: String? = nil, dimensions: Int? = nil, normalize: Bool? = nil,
        truncation: TruncationPolicy = .end, maxLength: Int? = nil, output: EmbeddingOutput = .pooled, batchSize: Int = 32
    ) {
        self.promptName = promptName
        self.instruction = instruction
        self.dimensions = dimensions
        self.normalize = normalize
        self.truncation = truncation
        self.maxLength = maxLength
        self.output = output
        self.batchSize = batchSize
    }
}

/// The embedding of one text.
public struct TextEmbedding: Sendable, Equatable {
    /// The pooled vector, when asked for.
    public var pooled: [Float]?
    /// One L2-normalised vector per token (special tokens included), when asked for.
    public var tokenVectors: [[Float]]?
    /// Tokens the model computed for this text.
    public var tokenCount: Int
    /// Whether the text was cut to fit the limit.
    public var truncated: Bool
}

/// Texts in, embeddings out: prompts, tokenising, length-sorted batching, the tower, pooling,
/// Matryoshka truncation and normalisation, for any ``TextTower``.
public struct TextEmbedder: Sendable {
    public let tokenizer: any TextTokenizer
    public let tower: any TextTower
    public let pipeline: SentenceTransformerPipeline

    public init(tokenizer: any TextTokenizer, tower: any TextTower, pipeline: SentenceTransformerPipeline) {
        self.tokenizer = tokenizer
        self.tower = tower
        self.pipeline = pipeline
    }

    /// The longest input (special tokens included) this model takes by default.
    public var maxLength: Int { min(pipeline.maxSequenceLength ?? tower.maxPositions, tower.maxPositions) }

    /// The text actually tokenised for `text` under `options`: the prompt or instruction, then
    /// the text, exactly as sentence-transformers concatenates them.
    public func promptedText(_ text: String, options: TextEmbeddingOptions) throws(EmbeddingError) -> String {
        try prefix(for: options) + text
    }

    func prefix(for options: TextEmbeddingOptions) throws(EmbeddingError) -> String {
        if let instruction = options.instruction {
            guard options.promptName == nil else { throw .promptAndInstruction }
            return instruction
        }
        guard let name = options.promptName ?? pipeline.defaultPromptName else { return "" }
        guard let prompt = pipeline.prompts[name] else {
            throw .unknownPrompt(name: name, available: pipeline.prompts.keys.sorted())
        }
        return prompt
    }

    /// The ids every sequence of `options` starts and ends with (special tokens, then the
    /// prompt's tokens) and the longest sequence, for callers that assemble token ids
    /// themselves (a page's words, tokenised one by one so each token maps to its word).
    public func sequenceLayout(_ options: TextEmbeddingOptions) throws(EmbeddingError) -> (prefix: [Int32], suffix: [Int32], maxLength: Int) {
        let (prompt, limit) = try validate(options)
        let prefix = tokenizer.sequencePrefix + (prompt.isEmpty ? [] : tokenizer.tokenIDs(of: prompt))
        guard prefix.count + tokenizer.sequenceSuffix.count < limit else {
            throw .invalidOption("the prompt leaves no room for text in \(limit) tokens")
        }
        return (prefix, tokenizer.sequenceSuffix, limit)
    }

    /// Checks request-level options, so a bad request fails before any work.
    func validate(_ options: TextEmbeddingOptions) throws(EmbeddingError) -> (prefix: String, maxLength: Int) {
        let prefix = try prefix(for: options)
        guard options.batchSize > 0 else { throw .invalidOption("batch size must be positive, got \(options.batchSize)") }
        let limit = options.maxLength ?? maxLength
        guard limit >= 2, limit <= tower.maxPositions else {
            throw .invalidOption("max length \(limit) is outside 2...\(tower.maxPositions)")
        }
        if let dimensions = options.dimensions {
            let allowed = pipeline.allowedDimensions
            let ok = allowed.isEmpty ? (1...tower.pooledDimension).contains(dimensions) : allowed.contains(dimensions)
            if !ok {
                throw .invalidDimensions(
                    requested: dimensions,
                    allowed: allowed.isEmpty ? "1...\(tower.pooledDimension)" : allowed.map(String.init).joined(separator: ", "))
            }
        }
        return (prefix, limit)
    }

    /// Tokenises texts (prompt prepended); an input that cannot be encoded fails alone.
    public func tokenize(_ texts: [String], options: TextEmbeddingOptions) throws(EmbeddingError) -> [Result<TokenizedText, EmbeddingError>] {
        let (prefix, limit) = try validate(options)
        return texts.enumerated().map { index, text -> Result<TokenizedText, EmbeddingError> in
            do throws(TokenizerError) {
                return .success(try tokenizer.encode(prefix + text, maxLength: limit, truncation: options.truncation))
            } catch .tooLong(let tokens, let limit) {
                return .failure(.inputTooLong(index: index, tokens: tokens, limit: limit))
            } catch {
                return .failure(.invalidInput(index: index, reason: error.description))
            }
        }
    }

    /// Embeds `texts`. Request-level problems (unknown prompt, bad dimensions) throw; a problem
    /// with one text (too long under `.error` truncation) fails that text only.
    public func embed(_ texts: [String], options: TextEmbeddingOptions = .init()) throws(EmbeddingError) -> [Result<TextEmbedding, EmbeddingError>] {
        let tokenized = try tokenize(texts, options: options)
        return embed(tokenized: tokenized, options: options)
    }

    /// Embeds already tokenised inputs (the server tokenises early to count tokens for batching).
    public func embed(tokenized: [Result<TokenizedText, EmbeddingError>], options: TextEmbeddingOptions) -> [Result<TextEmbedding, EmbeddingError>] {
        var results = tokenized.map { $0.map { _ in TextEmbedding(pooled: nil, tokenVectors: nil, tokenCount: 0, truncated: false) } }
        // Longest first, like sentence-transformers: batches hold texts of similar length, and
        // since sequences are packed without padding the order only affects GEMM shapes.
        let valid: [(index: Int, encoding: TokenizedText)] = tokenized.enumerated()
            .compactMap { index, result in
                guard case .success(let encoding) = result else { return nil }
                return (index, encoding)
            }
            .sorted { $0.encoding.ids.count > $1.encoding.ids.count }
        var start = 0
        while start < valid.count {
            let batch = valid[start ..< min(start + options.batchSize, valid.count)]
            start += batch.count
            let embedded = embedBatch(batch.map { ($0.encoding, options) })
            for (item, embedding) in zip(batch, embedded) { results[item.index] = .success(embedding) }
        }
        return results
    }

    /// One forward pass over inputs that may come from different requests: each carries its own
    /// options (pooled or token vectors, dimensions, normalisation), which only shape the output.
    /// Prompts and truncation were applied when tokenising. This is the dynamic batcher's entry.
    public func embedBatch(_ items: [(encoding: TokenizedText, options: TextEmbeddingOptions)]) -> [TextEmbedding] {
        guard !items.isEmpty else { return [] }
        let ids = items.map(\.encoding.ids)
        let states = tower.forward(ids)
        return items.enumerated().map { position, item in
            finish(states: states, ids: ids, position: position, encoding: item.encoding, options: item.options)
        }
    }

    private func finish(
        states: PackedHiddenStates, ids: [[Int32]], position: Int, encoding: TokenizedText, options: TextEmbeddingOptions
    ) -> TextEmbedding {
        var pooled: [Float]?
        if options.output.wantsPooled {
            var vector = tower.pooled(states, ids: ids, index: position)
            if let dimensions = options.dimensions { vector = Array(vector.prefix(dimensions)) }
            if options.normalize ?? pipeline.normalize { vector = VectorMath.normalized(vector) }
            pooled = vector
        }
        let tokens = options.output.wantsTokens ? tower.tokenVectors(states, index: position).map(VectorMath.normalized) : nil
        return TextEmbedding(pooled: pooled, tokenVectors: tokens, tokenCount: encoding.ids.count, truncated: encoding.wasTruncated)
    }
}
