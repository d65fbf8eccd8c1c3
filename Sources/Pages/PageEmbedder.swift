import EmbeddingKernels
import Encoders
import LateInteraction
import Tokenizers

/// A page embedded for a multi-vector collection.
public struct PageEmbedding: Sendable {
    /// The token vectors of every window of the page's text, in reading order.
    public var tokens: MultiVector
    /// The mean of the windows' pooled embeddings (re-normalised when the model normalises): the
    /// page's single vector for dense and hybrid search.
    public var pooled: [Float]?
    /// The text layer and the word of each token vector.
    public var attachment: PageAttachment
    /// Text tokens embedded (prompts and special tokens excluded).
    public var tokenCount: Int
}

/// Embeds pages' text layers with a text model, keeping which word each token vector came from.
public enum PageEmbedder {
    /// Most tokens of one page, all windows together: about 30 windows of 256, far more than
    /// the densest printed page, so only runaway OCR (noise read as words) is cut.
    public static let defaultMaxTokens = 8192

    /// Embeds `pages` as documents (the model's document prompt when it has one). Options that
    /// the model refuses throw; pages themselves cannot fail (an empty page is embedded as its
    /// special tokens alone, its text layer's note saying why it is empty).
    public static func embed(
        _ pages: [PageText], with embedder: TextEmbedder, side: RetrievalSide = .document, maxTokens: Int = defaultMaxTokens
    ) throws(EmbeddingError) -> [PageEmbedding] {
        let options = embedder.retrievalOptions(side, output: .both)
        let layout = try embedder.sequenceLayout(options)
        let windowed = pages.map { page in
            PageTokenWindows(
                words: page.words, tokenizer: embedder.tokenizer, prefix: layout.prefix, suffix: layout.suffix,
                maxLength: layout.maxLength, maxTokens: max(maxTokens, layout.maxLength))
        }
        // All windows of all pages in one call, so the encoder batches them together.
        let flat = windowed.flatMap(\.windows)
        let embedded = embedder.embed(tokenized: flat.map { .success($0) }, options: options)
        var next = 0
        var result: [PageEmbedding] = []
        for (page, windows) in zip(pages, windowed) {
            var values: [Float] = []
            var vectorWords: [Int] = []
            var pooledSum: [Float]?
            var tokenCount = 0
            for (window, owners) in zip(windows.windows, windows.tokenWords) {
                defer { next += 1 }
                guard case .success(let embedding) = embedded[next], let rows = embedding.tokenVectors, rows.count == owners.count else {
                    preconditionFailure("a page window of \(window.ids.count) tokens did not embed")
                }
                for row in rows { values += row }
                vectorWords += owners
                tokenCount += owners.filter { $0 >= 0 }.count
                if let pooled = embedding.pooled {
                    pooledSum = pooledSum.map { zip($0, pooled).map(+) } ?? pooled
                }
            }
            var pooled = pooledSum.map { sum in sum.map { $0 / Float(windows.windows.count) } }
            if embedder.pipeline.normalize, let mean = pooled { pooled = VectorMath.normalized(mean) }
            var text = page
            if windows.droppedWords > 0 {
                let note = "\(windows.droppedWords) of \(page.words.count) words left out: the page passed \(maxTokens) tokens"
                text.note = text.note.map { $0 + "; " + note } ?? note
            }
            let dimension = values.count / max(1, vectorWords.count)
            let tokens: MultiVector
            do throws(LateInteractionError) {
                tokens = try MultiVector(dimension: dimension, values: values, context: "page \(result.count)")
            } catch {
                throw .invalidInput(index: result.count, reason: error.description)
            }
            result.append(PageEmbedding(
                tokens: tokens, pooled: pooled,
                attachment: PageAttachment(page: text, vectorWords: vectorWords), tokenCount: tokenCount))
        }
        return result
    }
}
