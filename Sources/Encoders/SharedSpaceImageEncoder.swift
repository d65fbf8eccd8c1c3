import Foundation
import ImageIO

/// How a shared text-image model turns the cosine of a text and an image embedding into the
/// score it was trained on.
public enum SharedSpaceScoring: Sendable, Equatable {
    /// The cosine itself (CLIP; its `logit_scale` only sharpens a training-time softmax).
    case cosine
    /// SigLIP's pairwise sigmoid: logit = exp(`logit_scale`) * cosine + `logit_bias`, and the
    /// probability that the text matches the image is sigmoid(logit), independently per pair.
    case sigmoid(logitScale: Float, logitBias: Float)

    /// The model's logit for a cosine (the cosine itself for ``cosine``).
    public func logit(cosine: Float) -> Float {
        switch self {
        case .cosine: cosine
        case .sigmoid(let scale, let bias): Float(Foundation.exp(Double(scale))) * cosine + bias
        }
    }

    /// The match probability of a cosine, for models trained with a sigmoid; nil otherwise.
    public func probability(cosine: Float) -> Float? {
        guard case .sigmoid = self else { return nil }
        return Float(1 / (1 + Foundation.exp(-Double(logit(cosine: cosine)))))
    }
}

/// The image side of a shared text-image model (CLIP's ``ImageEmbedder``, SigLIP2's
/// ``Siglip2ImageEmbedder``), as servers and commands use it: inputs become patch grids early
/// (so a bad input fails alone and batches can be costed), grids from many requests are
/// embedded in one forward pass.
public protocol SharedSpaceImageEncoder: Sendable {
    /// Side of a square patch in pixels.
    var patchSize: Int { get }
    /// Channels of a patch (3).
    var channels: Int { get }
    /// Width of a pooled image embedding (that of the shared space).
    var dimension: Int { get }
    /// The input side the model was made for (CLIP: `image_size`; SigLIP2: the side of the
    /// square that fills its patch budget), for clients that prepare pixels themselves.
    var nominalImageSize: Int { get }
    /// Normalisation of preprocessed pixels, for clients that prepare patches themselves.
    var imageMean: [Double] { get }
    var imageStd: [Double] { get }
    /// Whether pooled vectors are L2-normalised unless a request says otherwise.
    var normalizeByDefault: Bool { get }
    /// How a text-image cosine becomes the model's score.
    var scoring: SharedSpaceScoring { get }
    /// The patch grid the model's own preprocessing makes of a decoded image (CLIP: resize,
    /// crop, patchify; SigLIP2: a grid within the patch budget), within `limits`.
    func patchGrid(decoded image: RGBImage, index: Int, limits: ImageLimits) -> Result<ClipVisionModel.PatchGrid, EmbeddingError>
    /// One forward pass over patch grids that may come from different requests, each with its
    /// own options. This is the dynamic batcher's entry.
    func embedBatch(_ items: [(grid: ClipVisionModel.PatchGrid, options: ImageEmbeddingOptions)]) -> [ImageEmbedding]
}

extension SharedSpaceImageEncoder {
    /// Turns one input into the patch grid the encoder takes, or says what is wrong with it:
    /// encoded images are decoded within `limits` and preprocessed as the model does; pixels
    /// and patches a client prepared itself are checked, up to `limits.maxPatches` (the
    /// caller's limit, the server's configured `max_patches`, not the model's).
    public func patchGrid(_ input: ImageInput, index: Int, limits: ImageLimits) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        switch input {
        case .encoded(let bytes, let name):
            do throws(ImageError) {
                return patchGrid(decoded: try ImageDecoder.decode(bytes, name: name, limits: limits), index: index, limits: limits)
            } catch {
                return .failure(.invalidInput(index: index, reason: error.description))
            }
        case .pixels(let pixels):
            return checkedPatches(fromPixels: pixels, index: index, maxPatches: limits.maxPatches)
        case .patches(let rows, let cols, let patchSize, let inputChannels, let values):
            return checkedPatches(
                rows: rows, cols: cols, patchSize: patchSize, channels: inputChannels, values: values, index: index,
                maxPatches: limits.maxPatches)
        }
    }

    /// Embeds images; an input that cannot be decoded or is malformed fails alone.
    public func embed(_ inputs: [ImageInput], options: ImageEmbeddingOptions = .init()) throws(EmbeddingError) -> [Result<ImageEmbedding, EmbeddingError>] {
        guard options.batchSize > 0 else { throw .invalidOption("batch size must be positive, got \(options.batchSize)") }
        if let dimensions = options.dimensions, !(1...dimension).contains(dimensions) {
            throw .invalidDimensions(requested: dimensions, allowed: "1...\(dimension)")
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

    /// The checks every encoder makes of a client's own patches (`ImageInput.patches`), up to
    /// `maxPatches` (the caller's limit, from `ImageLimits`).
    func checkedPatches(
        rows: Int, cols: Int, patchSize inputPatchSize: Int, channels inputChannels: Int, values: [Float], index: Int,
        maxPatches: Int
    ) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        guard inputPatchSize == patchSize else {
            return .failure(.invalidInput(index: index, reason: "patch_size \(inputPatchSize) does not match the model's \(patchSize)"))
        }
        guard inputChannels == channels else {
            return .failure(.invalidInput(index: index, reason: "channels \(inputChannels) does not match the model's \(channels)"))
        }
        guard rows > 0, cols > 0 else {
            return .failure(.invalidInput(index: index, reason: "patch grid \(rows)x\(cols) is empty"))
        }
        guard rows <= maxPatches, cols <= maxPatches, rows * cols <= maxPatches else {
            return .failure(.invalidInput(index: index, reason: "patch grid \(rows)x\(cols) exceeds the limit of \(maxPatches) patches"))
        }
        let expected = rows * cols * channels * patchSize * patchSize
        guard values.count == expected else {
            return .failure(.invalidInput(index: index, reason: "\(values.count) values given, a \(rows)x\(cols) grid of \(channels)x\(patchSize)x\(patchSize) patches needs \(expected)"))
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            return .failure(.invalidInput(index: index, reason: "value \(bad) is \(values[bad]) (NaN or infinite)"))
        }
        return .success(.init(rows: rows, cols: cols, values: values))
    }

    /// The checks every encoder makes of preprocessed pixels, then their patches.
    func checkedPatches(fromPixels pixels: PixelValues, index: Int, maxPatches: Int) -> Result<ClipVisionModel.PatchGrid, EmbeddingError> {
        guard pixels.channels == channels else {
            return .failure(.invalidInput(index: index, reason: "\(pixels.channels) channels, the model takes \(channels)"))
        }
        guard pixels.values.allSatisfy(\.isFinite) else {
            return .failure(.invalidInput(index: index, reason: "pixel values hold NaN or infinity"))
        }
        do throws(ImageError) {
            let cut = try Patchify.patches(pixels, patchSize: patchSize)
            guard cut.rows * cut.cols <= maxPatches else {
                return .failure(.invalidInput(index: index, reason: "\(cut.rows)x\(cut.cols) patches exceed the limit of \(maxPatches)"))
            }
            return .success(.init(rows: cut.rows, cols: cut.cols, values: cut.values))
        } catch {
            return .failure(.invalidInput(index: index, reason: error.description))
        }
    }
}
