/// What a loaded model provides, in one place: servers and commands switch on it instead of
/// guessing from which encoders happen to be present.
///
/// A new kind of model (late interaction over page images, say) is a new case here; the
/// compiler then lists every place that must decide what to do with it.
public enum ModelEncoders: Sendable {
    /// Pooled (and per-token) vectors of texts: sentence-transformers embedders (BERT).
    case textEmbedder(TextEmbedder)
    /// Texts and images embedded into one shared space (CLIP, SigLIP2), compared by cosine
    /// (which the image encoder's ``SharedSpaceImageEncoder/scoring`` may turn into a sigmoid logit).
    case sharedTextImage(text: TextEmbedder, image: any SharedSpaceImageEncoder)
    /// Late-interaction multi-vectors of queries and documents, no pooled vector: ColBERT-style
    /// models (PyLate, Stanford ColBERT), with their markers, query expansion and skip list.
    case lateInteractionText(ColBERTTextEncoder)
    /// Late-interaction multi-vectors of page images and text queries (ColModernVBERT): one
    /// vector per token of the image prompt or the query, compared by MaxSim.
    case lateInteractionVisual(ColModernVBertEncoder)

    /// The text embedder, if the model has one.
    public var text: TextEmbedder? {
        switch self {
        case .textEmbedder(let text), .sharedTextImage(let text, _): text
        case .lateInteractionText, .lateInteractionVisual: nil
        }
    }

    /// The image encoder, if the model has one (CLIP or SigLIP2).
    public var imageEncoder: (any SharedSpaceImageEncoder)? {
        switch self {
        case .sharedTextImage(_, let image): image
        case .textEmbedder, .lateInteractionText, .lateInteractionVisual: nil
        }
    }

    /// CLIP's image embedder, for the tools that drive its tower and preprocessor directly (a
    /// page's patch vectors, the vision benchmark); nil for other models, SigLIP2 included,
    /// whose images go through ``imageEncoder``.
    public var image: ImageEmbedder? { imageEncoder as? ImageEmbedder }

    /// The late-interaction text encoder, if the model is ColBERT-style.
    public var lateInteraction: ColBERTTextEncoder? {
        switch self {
        case .lateInteractionText(let encoder): encoder
        case .textEmbedder, .sharedTextImage, .lateInteractionVisual: nil
        }
    }

    /// The visual-document late-interaction encoder, if the model is ColModernVBERT-style.
    public var lateInteractionVisual: ColModernVBertEncoder? {
        switch self {
        case .lateInteractionVisual(let encoder): encoder
        case .textEmbedder, .sharedTextImage, .lateInteractionText: nil
        }
    }
}

extension ModelEncoders: CustomStringConvertible {
    /// What the model is, in words (for logs and messages; the encoders' weights are not shown).
    public var description: String {
        switch self {
        case .textEmbedder(let text): "text embedder (\(text.tower.pooledDimension) dimensions)"
        case .sharedTextImage(let text, _): "shared text-image space (\(text.tower.pooledDimension) dimensions)"
        case .lateInteractionText(let encoder): "late-interaction text encoder (\(encoder.dimension) dimensions per token)"
        case .lateInteractionVisual(let encoder): "late-interaction page-image encoder (\(encoder.dimension) dimensions per token)"
        }
    }
}
