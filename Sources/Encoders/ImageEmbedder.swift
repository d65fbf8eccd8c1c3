import EmbeddingKernels
import Foundation
import ImageIO

/// One image to embed, in any of the three forms clients send.
public enum ImageInput: Sendable {
    /// PNG or JPEG bytes; `name` (a file name or "input 3") appears in error messages.
    case encoded(bytes: [UInt8], name: String)
    /// Pixels already preprocessed (C×H×W, normalised), e.g. by a client's own pipeline.
    case pixels(PixelValues)
    /// Patches a client has cut and normalised: `rows*cols` patches of `channels*patchSize²`
    /// float32 values each, in (channel, y, x) order.
    case patches(rows: Int, cols: Int, patchSize: Int, channels: Int, values: [Float])
}

/// Options of one image embedding request.
public struct ImageEmbeddingOptions: Sendable {
    public var output: EmbeddingOutput = .pooled
    /// L2-normalise the pooled vector; nil follows the model (CLIP: yes).
    public var normalize: Bool?
    /// Matryoshka truncation of the pooled vector.
    public var dimensions: Int?
    /// Images per forward pass.
    public var batchSize: Int = 16
    /// Decoding limits (pixels, encoded bytes).
    public var limits: ImageLimits = ImageLimits()

    public init(output: EmbeddingOutput = .pooled, normalize: Bool? = nil, dimensions: Int? = nil, batchSize: Int = 16, limits: ImageLimits = ImageLimits()) {
        self.output = output
        self.normalize = normalize
        self.dimensions = dimensions
        self.batchSize = batchSize
        self.limits = limits
    }
}

/// The embedding of one image.
public struct ImageEmbedding: Sendable, Equatable {
    /// `image_embeds`: for CLIP the class token through post_layernorm and visual_projection,
    /// for SigLIP2 the attention-pooling head's output.
    public var pooled: [Float]?
    /// Every token, L2-normalised: for CLIP the class token then the patches row by row, projected;
    /// for SigLIP2 the patches' `last_hidden_state` (SigLIP2 projects no token into the shared space).
    public var tokenVectors: [[Float]]?
    /// Patches the encoder computed.
    public var patchCount: Int
}

/// Images in, embeddings in the model's shared space out: decoding, preprocessing,
/// patchifying, the vision tower, projection, Matryoshka and normalisation.
public struct ImageEmbedder: SharedSpaceImageEncoder {
    public let preprocessor: ImagePreprocessor
    public let vision: ClipVisionModel
    /// Normalise pooled vectors unless a request says otherwise.
    public let normalizeByDefault: Bool

    public init(preprocessor: ImagePreprocessor, vision: ClipVisionModel, normalizeByDefault: Bool = true) {
        self.preprocessor = preprocessor
        self.vision = vision
        self.normalizeByDefault = normalizeByDefault
    }

    public var patchSize: Int { vision.config.patchSize }
    public var channels: Int { vision.config.numChannels }
    public var dimension: Int { vision.projectionDimension }
    public var nominalImageSize: Int { vision.config.imageSize }
    public var imageMean: [Double] { preprocessor.config.imageMean }
    public var imageStd: [Double] { preprocessor.config.imageStd }
    /// CLIP is compared by cosine.
    public var scoring: SharedSpaceScoring { .cosine }

    /// CLIP's preprocessing (resize, center crop, normalise), then its patches.
    public func patchGrid(decoded image: RGBImage, index: Int, limits: ImageLimits) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        checkedPatches(fromPixels: preprocessor.pixelValues(image), index: index, maxPatches: limits.maxPatches)
    }

    /// One forward pass over patch grids that may come from different requests, each with its
    /// own options. This is the dynamic batcher's entry.
    public func embedBatch(_ items: [(grid: ClipVisionModel.PatchGrid, options: ImageEmbeddingOptions)]) -> [ImageEmbedding] {
        guard !items.isEmpty else { return [] }
        let states = vision.forward(items.map(\.grid))
        return items.enumerated().map { position, item in
            finish(states, position: position, patches: item.grid.rows * item.grid.cols, options: item.options)
        }
    }

    private func finish(_ states: PackedHiddenStates, position: Int, patches: Int, options: ImageEmbeddingOptions) -> ImageEmbedding {
        let tokens = vision.projected(states, index: position, classTokenOnly: !options.output.wantsTokens)
        var pooled: [Float]?
        if options.output.wantsPooled {
            var vector = tokens[0]
            if let dimensions = options.dimensions { vector = Array(vector.prefix(dimensions)) }
            if options.normalize ?? normalizeByDefault { vector = VectorMath.normalized(vector) }
            pooled = vector
        }
        return ImageEmbedding(
            pooled: pooled, tokenVectors: options.output.wantsTokens ? tokens.map(VectorMath.normalized) : nil,
            patchCount: patches)
    }
}
