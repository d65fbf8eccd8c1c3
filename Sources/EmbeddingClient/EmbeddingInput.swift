public import Foundation
internal import WireProtocol

/// One thing to embed: a text, an encoded image file, or an image already cut into patches.
public enum EmbeddingInput: Sendable, Hashable {
    /// UTF-8 text (Swift strings always are). The model's prompt, if any, is prepended by the
    /// server (see ``EmbedOptions/prompt``).
    case text(String)

    /// The bytes of a PNG or JPEG file, decoded and preprocessed by the server as the model's
    /// image processor does. `name` only appears in error messages (such as the file name).
    case image(Data, name: String = "")

    /// A preprocessed patch grid, fed straight to the vision tower.
    case patches(PatchGrid)

    /// A document page (an image or a PDF page), read into words by the server and embedded by
    /// the model's text tower; its ``Embedding/pageText`` says what was read.
    case page(PageInput)
}

/// An image already normalised and cut into square patches: what a ViT's patch embedding reads.
/// Lets a client choose its own resolution (the server interpolates position embeddings).
public struct PatchGrid: Sendable, Hashable {
    /// Patches down the image.
    public var rows: Int
    /// Patches across the image.
    public var cols: Int
    /// Side of a square patch in pixels; must be the model's `patchSize` (see ``ModelInfo``).
    public var patchSize: Int
    /// Colour channels (3 for RGB).
    public var channels: Int
    /// `rows x cols x channels x patchSize x patchSize` values, patch-major (row by row, left to
    /// right), each patch in (channel, y, x) order, already normalised with the model's
    /// `imageMean` / `imageStd`.
    public var values: [Float]

    public init(rows: Int, cols: Int, patchSize: Int, channels: Int = 3, values: [Float]) {
        self.rows = rows
        self.cols = cols
        self.patchSize = patchSize
        self.channels = channels
        self.values = values
    }

    /// The number of values the shape calls for, or nil when a dimension is not positive or
    /// the product overflows.
    var expectedValueCount: Int? {
        var total = 1
        for factor in [self.rows, self.cols, self.channels, self.patchSize, self.patchSize] {
            guard factor > 0, factor <= Int(UInt32.max) else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}

extension EmbeddingInput {
    /// The wire form. Patch grids are checked here, before anything is sent, so a shape
    /// mistake is reported to the caller with its index instead of costing a round trip.
    func wireInput(index: Int) throws(EmbeddingClientError) -> Multiembed_V1_Input {
        var input = Multiembed_V1_Input()
        switch self {
        case .text(let text):
            input.text = text
        case .image(let data, let name):
            var image = Multiembed_V1_ImageBytes()
            image.data = data
            image.name = name
            input.image = image
        case .patches(let grid):
            guard let expected = grid.expectedValueCount, expected == grid.values.count else {
                throw EmbeddingClientError(
                    code: .invalidArgument, kind: .invalidRequest,
                    message: "input \(index): a \(grid.rows)x\(grid.cols) grid of \(grid.channels)"
                        + "-channel \(grid.patchSize)-pixel patches needs "
                        + "\(grid.expectedValueCount.map(String.init) ?? "a valid shape and"), "
                        + "got \(grid.values.count) values")
            }
            var patches = Multiembed_V1_Patches()
            patches.rows = UInt32(grid.rows)
            patches.cols = UInt32(grid.cols)
            patches.patchSize = UInt32(grid.patchSize)
            patches.channels = UInt32(grid.channels)
            patches.data = littleEndianBytes(of: grid.values)
            input.patches = patches
        case .page(let page):
            input.page = page.wire
        }
        return input
    }
}

/// float32 values as the wire writes them: 4 bytes each, little-endian.
func littleEndianBytes(of values: [Float]) -> Data {
    var data = Data(count: values.count * 4)
    data.withUnsafeMutableBytes { raw in
        for (i, value) in values.enumerated() {
            raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
    }
    return data
}
