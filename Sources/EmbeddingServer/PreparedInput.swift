import Encoders
import Pages
import Tokenizers

/// One input made ready for the model before it is queued: a text tokenised (prompt and
/// truncation applied) or an image cut into patches. Preparing first lets the batcher count a
/// batch's real cost (tokens or patches) and lets bad inputs fail before they take a queue slot.
enum PreparedInput: Sendable {
    case text(TokenizedText, TextEmbeddingOptions)
    case image(ClipVisionModel.PatchGrid, ImageEmbeddingOptions)
    /// A page read into its text layer and cut into token windows; embedded with the texts.
    case page(PreparedPage, TextEmbeddingOptions)
    /// A text (or a page's text as a query) laid out for a ColBERT-style model: marker, query
    /// expansion, cut to its side's length.
    case lateText(LateText)
    /// A page's words in document windows of a ColBERT-style model (``ColBERTPageEmbedder``).
    case latePage(PreparedPage)
    /// An image (or a page image) tiled for ColModernVBERT, with the ids of its visual prompt.
    case visualImage(Idefics3Tiles, promptIDs: [Int32])
    /// A text query's ids for ColModernVBERT.
    case visualQuery([Int32])

    /// What the input costs a batch: its tokens, or its patches plus the class token.
    var cost: Int {
        switch self {
        case .text(let encoding, _): encoding.ids.count
        case .image(let grid, _): grid.rows * grid.cols + 1
        case .page(let page, _), .latePage(let page): page.tokenCount
        case .lateText(let text): text.input.ids.count
        case .visualImage(_, let ids), .visualQuery(let ids): ids.count
        }
    }

    var lane: BatchLane {
        switch self {
        case .text, .page, .lateText, .latePage, .visualQuery: .text
        case .image, .visualImage: .image
        }
    }
}

/// A text for a ColBERT-style model, laid out by ``ColBERTTextEncoder/queryInput(_:)`` or
/// ``ColBERTTextEncoder/documentInput(_:)``.
struct LateText: Sendable {
    var input: ColBERTTextEncoder.Input
    var side: RetrievalSide
    /// Set when the text is a page read as a query: the result is then that page's embedding,
    /// its vectors mapped to no word.
    var page: PageText?
}

/// The two kinds of forward pass a model may run; a batch holds one kind only.
enum BatchLane: Sendable, CaseIterable {
    case text, image
}

/// What the model computed for one input.
enum InputOutcome: Sendable {
    case text(TextEmbedding)
    case image(ImageEmbedding)
    case page(PageEmbedding)
    /// The vectors of a late-interaction model, one per token kept.
    case tokens([[Float]])
    /// The model's result could not be assembled (not expected; reported as INTERNAL).
    case failed(String)
}

/// One input in the batcher's queue, pointing back at the request it belongs to.
struct WorkItem: Sendable {
    /// The request that collects this input's result.
    let request: PendingEmbedding
    /// Position of the input in the request's `inputs`.
    let index: Int
    let input: PreparedInput
    /// When the item entered the queue; the batcher's wait is measured from the oldest one.
    var enqueuedAt: ContinuousClock.Instant
}
