import Encoders
import ImageIO
import LateInteraction

/// Where a page document's image vectors sit, after its text's token vectors, and the part of
/// the page image their patches cover, so a match on a patch can be drawn on the page.
public struct PagePatchLayout: Sendable, Hashable, Codable {
    /// Index of the first image vector in the document.
    public var first: Int
    /// Image vectors: `leading` vectors of the whole image (CLIP's class token), then one per
    /// patch, row by row.
    public var count: Int
    public var leading: Int
    /// The patch grid.
    public var rows: Int
    public var columns: Int
    /// The part of the page image the grid covers, in page pixels: a tall page's centre only
    /// when the model centre-crops its images to a square.
    public var region: PixelRect

    /// The box in page pixels of document vector `index`, when it is a patch's vector; nil for
    /// text vectors and the whole-image vectors.
    public func box(ofVector index: Int) -> PixelRect? {
        let patch = index - first - leading
        guard patch >= 0, patch < rows * columns, index < first + count else { return nil }
        let row = patch / columns, column = patch % columns
        let x0 = region.x + column * region.width / columns, x1 = region.x + (column + 1) * region.width / columns
        let y0 = region.y + row * region.height / rows, y1 = region.y + (row + 1) * region.height / rows
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// A page image's vectors from an image encoder and the patch grid they come from, ready to be
/// appended to the page's document.
public struct PagePatchVectors: Sendable {
    /// The whole image's vectors first (CLIP's class token), then one per patch, row by row.
    public var vectors: [[Float]]
    public var rows: Int
    public var columns: Int
    /// The part of the page image the grid covers, in page pixels.
    public var region: PixelRect

    public init(vectors: [[Float]], rows: Int, columns: Int, region: PixelRect) {
        self.vectors = vectors
        self.rows = rows
        self.columns = columns
        self.region = region
    }
}

/// The page image's patch vectors, added to a page's document for a model with a vision tower
/// (CLIP): one multi-vector document holding both, so MaxSim takes each query token's best match
/// across the words and the patches.
public enum PagePatches {
    /// The image encoder's token vectors of `image` (the class token's, then every patch's,
    /// projected and L2-normalised: what `embed --multi-vector` gives an image) and the part of
    /// the page they cover.
    public static func embed(
        _ image: RGBImage, with embedder: ImageEmbedder
    ) throws(EmbeddingError) -> PagePatchVectors {
        let pixels = embedder.preprocessor.pixelValues(image)
        let result = try embedder.embed([.pixels(pixels)], options: ImageEmbeddingOptions(output: .multiVector))[0]
        let embedding = try result.get()
        let patchSize = embedder.vision.config.patchSize
        let config = embedder.preprocessor.config
        let resized = config.resizedSize(width: image.width, height: image.height)
        let output = config.outputSize(width: image.width, height: image.height)
        func span(_ resized: Int, _ crop: Int, _ original: Int) -> (start: Int, length: Int) {
            // transformers crops from (resized - crop) / 2; a smaller image is padded instead.
            let offset = resized >= crop ? (resized - crop) / 2 : -((crop - resized + 1) / 2)
            let start = max(0, offset), end = min(resized, offset + crop)
            return (start * original / resized, max(1, (end - start) * original / resized))
        }
        let x = span(resized.width, output.width, image.width), y = span(resized.height, output.height, image.height)
        return PagePatchVectors(
            vectors: embedding.tokenVectors ?? [], rows: output.height / patchSize, columns: output.width / patchSize,
            region: PixelRect(x: x.start, y: y.start, width: x.length, height: y.length))
    }
}

extension PageEmbedding {
    /// Appends image vectors (from ``PagePatches/embed(_:with:)``) after the text's: they map to
    /// no word, and the attachment records where they are and what they cover.
    public mutating func appendPatches(_ patches: PagePatchVectors) throws(EmbeddingError) {
        let (vectors, rows, columns, region) = (patches.vectors, patches.rows, patches.columns, patches.region)
        guard let first = vectors.first, first.count == tokens.dimension, vectors.allSatisfy({ $0.count == first.count }) else {
            throw .invalidOption(
                "the page's image vectors (width \(vectors.first?.count ?? 0)) do not match its text's token vectors (width \(tokens.dimension))")
        }
        let start = tokens.count
        var values = tokens.values
        for row in vectors { values += row }
        do throws(LateInteractionError) {
            tokens = try MultiVector(dimension: tokens.dimension, values: values, context: "page")
        } catch {
            throw .invalidOption(error.description)
        }
        attachment.vectorWords += [Int](repeating: -1, count: vectors.count)
        attachment.patches = PagePatchLayout(
            first: start, count: vectors.count, leading: max(0, vectors.count - rows * columns), rows: rows, columns: columns,
            region: region)
    }
}
