import EmbeddingKernels
import ImageIO

/// SigLIP2's image side: ``Siglip2ImageProcessor`` (each image at its own aspect ratio within
/// the patch budget), the NaFlex ``SiglipVisionModel`` and its attention-pooling head, whose
/// output is the image embedding (`image_embeds`; normalised by default, as the model compares
/// them).
public struct Siglip2ImageEmbedder: SharedSpaceImageEncoder {
    public let processor: Siglip2ImageProcessor
    public let vision: SiglipVisionModel
    public let scoring: SharedSpaceScoring
    /// Normalise pooled vectors unless a request says otherwise.
    public let normalizeByDefault: Bool

    public init(
        processor: Siglip2ImageProcessor, vision: SiglipVisionModel, scoring: SharedSpaceScoring,
        normalizeByDefault: Bool = true
    ) {
        self.processor = processor
        self.vision = vision
        self.scoring = scoring
        self.normalizeByDefault = normalizeByDefault
    }

    public var patchSize: Int { vision.config.patchSize }
    public var channels: Int { vision.config.numChannels }
    public var dimension: Int { vision.pooledDimension }
    /// The square image that exactly fills the patch budget (256 patches of 16: 256 pixels).
    public var nominalImageSize: Int { vision.config.positionGridSide * patchSize }
    public var imageMean: [Double] { processor.config.imageMean }
    public var imageStd: [Double] { processor.config.imageStd }

    /// The processor's grid, within its own patch budget (`max_num_patches`). Pixels and patches
    /// a client prepared itself are taken at their own grid, up to `limits.maxPatches` (the
    /// position embeddings are resized to it), normalised as ``imageMean`` / ``imageStd`` say.
    public func patchGrid(decoded image: RGBImage, index: Int, limits: ImageLimits) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        .success(processor.patchGrid(image))
    }

    public func embedBatch(_ items: [(grid: ClipVisionModel.PatchGrid, options: ImageEmbeddingOptions)]) -> [ImageEmbedding] {
        guard !items.isEmpty else { return [] }
        let states = vision.naFlex(items.map(\.grid))
        return items.enumerated().map { position, item in
            var pooled: [Float]?
            if item.options.output.wantsPooled {
                var vector = vision.pooled(states, index: position)
                if let dimensions = item.options.dimensions { vector = Array(vector.prefix(dimensions)) }
                if item.options.normalize ?? normalizeByDefault { vector = VectorMath.normalized(vector) }
                pooled = vector
            }
            let tokens = item.options.output.wantsTokens ? states.tokens(of: position).map(VectorMath.normalized) : nil
            return ImageEmbedding(pooled: pooled, tokenVectors: tokens, patchCount: item.grid.rows * item.grid.cols)
        }
    }
}
