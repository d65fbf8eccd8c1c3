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
    /// `image_embeds`: the class token through post_layernorm and visual_projection.
    public var pooled: [Float]?
    /// Every token (class token first, then patches row by row), projected and L2-normalised.
    public var tokenVectors: [[Float]]?
    /// Patches the encoder computed.
    public var patchCount: Int
}

/// Images in, embeddings in the model's shared space out: decoding, preprocessing,
/// patchifying, the vision tower, projection, Matryoshka and normalisation.
public struct ImageEmbedder: Sendable {
    public let preprocessor: ImagePreprocessor
    public let vision: ClipVisionModel
    /// Normalise pooled vectors unless a request says otherwise.
    public let normalizeByDefault: Bool

    public init(preprocessor: ImagePreprocessor, vision: ClipVisionModel, normalizeByDefault: Bool = true) {
        self.preprocessor = preprocessor
        self.vision = vision
        self.normalizeByDefault = normalizeByDefault
    }

    /// Turns one input into the patch grid the encoder takes, or says what is wrong with it. The
    /// grid is bounded by `limits.maxPatches`, the caller's (the server's configured
    /// `max_patches`, the command line's default), not by the model.
    public func patchGrid(_ input: ImageInput, index: Int, limits: ImageLimits) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        let p = vision.config.patchSize
        let channels = vision.config.numChannels
        switch input {
        case .encoded(let bytes, let name):
            do throws(ImageError) {
                let image = try ImageDecoder.decode(bytes, name: name, limits: limits)
                return patchGrid(fromPixels: preprocessor.pixelValues(image), index: index, maxPatches: limits.maxPatches)
            } catch {
                return .failure(.invalidInput(index: index, reason: error.description))
            }
        case .pixels(let pixels):
            return patchGrid(fromPixels: pixels, index: index, maxPatches: limits.maxPatches)
        case .patches(let rows, let cols, let patchSize, let inputChannels, let values):
            guard patchSize == p else {
                return .failure(.invalidInput(index: index, reason: "patch_size \(patchSize) does not match the model's \(p)"))
            }
            guard inputChannels == channels else {
                return .failure(.invalidInput(index: index, reason: "channels \(inputChannels) does not match the model's \(channels)"))
            }
            guard rows > 0, cols > 0 else {
                return .failure(.invalidInput(index: index, reason: "patch grid \(rows)x\(cols) is empty"))
            }
            let maxPatches = limits.maxPatches
            guard rows <= maxPatches, cols <= maxPatches, rows * cols <= maxPatches else {
                return .failure(.invalidInput(index: index, reason: "patch grid \(rows)x\(cols) exceeds the limit of \(maxPatches) patches"))
            }
            let expected = rows * cols * channels * p * p
            guard values.count == expected else {
                return .failure(.invalidInput(index: index, reason: "\(values.count) values given, a \(rows)x\(cols) grid of \(channels)x\(p)x\(p) patches needs \(expected)"))
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                return .failure(.invalidInput(index: index, reason: "value \(bad) is \(values[bad]) (NaN or infinite)"))
            }
            return .success(.init(rows: rows, cols: cols, values: values))
        }
    }

    private func patchGrid(fromPixels pixels: PixelValues, index: Int, maxPatches: Int) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        guard pixels.channels == vision.config.numChannels else {
            return .failure(.invalidInput(index: index, reason: "\(pixels.channels) channels, the model takes \(vision.config.numChannels)"))
        }
        guard pixels.values.allSatisfy(\.isFinite) else {
            return .failure(.invalidInput(index: index, reason: "pixel values hold NaN or infinity"))
        }
        do throws(ImageError) {
            let cut = try Patchify.patches(pixels, patchSize: vision.config.patchSize)
            guard cut.rows * cut.cols <= maxPatches else {
                return .failure(.invalidInput(index: index, reason: "\(cut.rows)x\(cut.cols) patches exceed the limit of \(maxPatches)"))
            }
            return .success(.init(rows: cut.rows, cols: cut.cols, values: cut.values))
        } catch {
            return .failure(.invalidInput(index: index, reason: error.description))
        }
    }

    /// Embeds images; an input that cannot be decoded or is malformed fails alone.
    public func embed(_ inputs: [ImageInput], options: ImageEmbeddingOptions = .init()) throws(EmbeddingError) -> [Result<ImageEmbedding, EmbeddingError>] {
        guard options.batchSize > 0 else { throw .invalidOption("batch size must be positive, got \(options.batchSize)") }
        if let dimensions = options.dimensions, !(1...vision.projectionDimension).contains(dimensions) {
            throw .invalidDimensions(requested: dimensions, allowed: "1...\(vision.projectionDimension)")
        }
        var results: [Result<ImageEmbedding, EmbeddingError>] = []
        results.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let slice = inputs[start ..< min(start + options.batchSize, inputs.count)]
            let grids = slice.enumerated().map { patchGrid($1, index: start + $0, limits: options.limits) }
            var embedded = embedBatch(grids.compactMap { try? $0.get() }.map { ($0, options) })[...]
            for grid in grids {
                switch grid {
                case .failure(let error): results.append(.failure(error))
                case .success: results.append(.success(embedded.removeFirst()))
                }
            }
            start += slice.count
        }
        return results
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
