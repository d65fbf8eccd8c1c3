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

    /// What the input costs a batch: its tokens, or its patches plus the class token.
    var cost: Int {
        switch self {
        case .text(let encoding, _): encoding.ids.count
        case .image(let grid, _): grid.rows * grid.cols + 1
        case .page(let page, _): page.tokenCount
        }
    }

    var lane: BatchLane {
        switch self {
        case .text, .page: .text
        case .image: .image
        }
    }
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
