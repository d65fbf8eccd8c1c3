import EmbeddingKernels
import Encoders
import LateInteraction
import Tokenizers

/// A page embedded for a multi-vector collection.
public struct PageEmbedding: Sendable {
    /// The token vectors of every window of the page's text, in reading order.
    public var tokens: MultiVector
    /// The mean of the windows' pooled embeddings (re-normalised when they were normalised): the
    /// page's single vector for dense and hybrid search.
    public var pooled: [Float]?
    /// The text layer and the word of each token vector.
    public var attachment: PageAttachment
    /// Text tokens embedded (prompts and special tokens excluded).
    public var tokenCount: Int
}

/// A page made ready for a text model: its token windows and the word of every token.
public struct PreparedPage: Sendable {
    public var page: PageText
    public var windows: [TokenizedText]
    /// Per window, per vector the window yields: the word's index in `page.words`, or -1. One
    /// entry per token, except for a ColBERT-style model, whose skip-listed tokens yield no
    /// vector and so have no entry.
    public var tokenWords: [[Int]]
    /// The page image's vectors, appended after the text's by ``PageEmbedder/combine(_:windowVectors:)``
    /// when wanted (a model with a vision tower).
    public var patches: PagePatchVectors? = nil
    /// Tokens of all windows together: what the page costs a batch.
    public var tokenCount: Int { windows.reduce(0) { $0 + $1.ids.count } }
}

/// Embeds pages' text layers with a text model, keeping which word each token vector came from.
///
/// In two steps, so a server can batch pages' windows with other texts: ``prepare(_:with:options:maxTokens:)``
/// tokenises, the caller runs the windows through the model (any batching), and
/// ``combine(_:embeddings:normalize:)`` assembles the page's vectors.
public enum PageEmbedder {
    /// Most tokens of one page, all windows together: about 30 windows of 256, far more than
    /// the densest printed page, so only runaway OCR (noise read as words) is cut.
    public static let defaultMaxTokens = 8192

    /// The page's windows under `options` (its prompt and length; truncation does not apply: a
    /// page is cut into windows instead).
    public static func prepare(
        _ page: PageText, with embedder: TextEmbedder, options: TextEmbeddingOptions, maxTokens: Int = defaultMaxTokens
    ) throws(EmbeddingError) -> PreparedPage {
        let layout = try embedder.sequenceLayout(options)
        let windows = PageTokenWindows(
            words: page.words, tokenizer: embedder.tokenizer, prefix: layout.prefix, suffix: layout.suffix,
            maxLength: layout.maxLength, maxTokens: max(maxTokens, layout.maxLength))
        var noted = page
        if windows.droppedWords > 0 {
            let note = "\(windows.droppedWords) of \(page.words.count) words left out: the page passed \(maxTokens) tokens"
            noted.note = noted.note.map { $0 + "; " + note } ?? note
        }
        return PreparedPage(page: noted, windows: windows.windows, tokenWords: windows.tokenWords)
    }

    /// The page's embedding from its windows' embeddings (in window order, each with token
    /// vectors, and pooled vectors if wanted). `normalize`: whether the windows' pooled vectors
    /// were L2-normalised, so their mean is too.
    public static func combine(
        _ prepared: PreparedPage, embeddings: [TextEmbedding], normalize: Bool
    ) throws(EmbeddingError) -> PageEmbedding {
        guard embeddings.count == prepared.windows.count else {
            throw .invalidOption("a page of \(prepared.windows.count) windows got \(embeddings.count) embeddings")
        }
        var windowVectors: [[[Float]]] = []
        var pooledSum: [Float]?
        for embedding in embeddings {
            windowVectors.append(embedding.tokenVectors ?? [])
            if let pooled = embedding.pooled {
                pooledSum = pooledSum.map { zip($0, pooled).map(+) } ?? pooled
            }
        }
        var pooled = pooledSum.map { sum in sum.map { $0 / Float(embeddings.count) } }
        if normalize, let mean = pooled { pooled = VectorMath.normalized(mean) }
        var page = try combine(prepared, windowVectors: windowVectors)
        page.pooled = pooled
        return page
    }

    /// The page's token vectors from its windows' vectors (in window order, one per entry of
    /// the window's ``PreparedPage/tokenWords``), then its image's when prepared with them; no
    /// pooled vector.
    public static func combine(_ prepared: PreparedPage, windowVectors: [[[Float]]]) throws(EmbeddingError) -> PageEmbedding {
        guard windowVectors.count == prepared.windows.count else {
            throw .invalidOption("a page of \(prepared.windows.count) windows got \(windowVectors.count) embeddings")
        }
        var values: [Float] = []
        var vectorWords: [Int] = []
        for (rows, owners) in zip(windowVectors, prepared.tokenWords) {
            guard rows.count == owners.count else {
                throw .invalidOption("a page window of \(owners.count) vectors came back with \(rows.count)")
            }
            for row in rows { values += row }
            vectorWords += owners
        }
        let tokens: MultiVector
        do throws(LateInteractionError) {
            tokens = try MultiVector(dimension: values.count / max(1, vectorWords.count), values: values, context: "page")
        } catch {
            throw .invalidOption(error.description)
        }
        var page = PageEmbedding(
            tokens: tokens, pooled: nil, attachment: PageAttachment(page: prepared.page, vectorWords: vectorWords),
            tokenCount: vectorWords.filter { $0 >= 0 }.count)
        if let patches = prepared.patches { try page.appendPatches(patches) }
        return page
    }

    /// Embeds `pages` in process as documents (or queries): the model's prompt for that side
    /// when it has one; all windows of all pages in one call, so the encoder batches them.
    public static func embed(
        _ pages: [PageText], with embedder: TextEmbedder, side: RetrievalSide = .document, maxTokens: Int = defaultMaxTokens
    ) throws(EmbeddingError) -> [PageEmbedding] {
        let options = embedder.retrievalOptions(side, output: .both)
        var prepared: [PreparedPage] = []
        for page in pages { prepared.append(try prepare(page, with: embedder, options: options, maxTokens: maxTokens)) }
        let embedded = embedder.embed(tokenized: prepared.flatMap(\.windows).map { .success($0) }, options: options)
        var next = 0
        var result: [PageEmbedding] = []
        for page in prepared {
            var windows: [TextEmbedding] = []
            for _ in page.windows {
                if case .success(let embedding) = embedded[next] { windows.append(embedding) }
                next += 1
            }
            result.append(try combine(page, embeddings: windows, normalize: options.normalize ?? embedder.pipeline.normalize))
        }
        return result
    }
}
