import Foundation
import ImageIO

/// An image cut as Idefics3 cuts it: `rows x cols` tiles in row-major order, then the global
/// image (the whole picture squashed into one tile). Without splitting (or when the image
/// fits one tile) `rows` and `cols` are 0 and there is only the global image.
public struct Idefics3Tiles: Sendable {
    public var rows: Int
    public var cols: Int
    /// `rows * cols` tiles then the global one (or just one image when `rows == 0`), each
    /// `3 x tile x tile`, rescaled and normalised: transformers' `pixel_values[0]`.
    public var pixelValues: [PixelValues]

    public init(rows: Int, cols: Int, pixelValues: [PixelValues]) {
        self.rows = rows
        self.cols = cols
        self.pixelValues = pixelValues
    }
}

/// Why an image cannot be tiled.
public enum ImageTilingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image would be cut into more tiles (including the global one) than the limit.
    case tooManyTiles(rows: Int, cols: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooManyTiles(let rows, let cols, let limit):
            "the image would be cut into \(rows)x\(cols) tiles plus a global image, more than the limit of \(limit) tiles"
        }
    }
}

/// transformers' `Idefics3ImageProcessor` for one image: resize so the longest edge is
/// `size.longest_edge` (aspect ratio kept, the other edge rounded up to even), resize again to
/// whole multiples of the tile side, cut into tiles plus a global image resized to one tile,
/// each with Pillow-compatible LANCZOS; then rescale by 1/255 and normalise with mean/std.
///
/// transformers' default (torchvision) backend resizes uint8 tensors with torchvision's
/// LANCZOS; our Pillow-style two-pass 8-bit resize (``ImageIO/RGBImage/resized(width:height:filter:)``:
/// horizontal pass, clamped 8-bit intermediate, vertical pass, fixed-point weights) agrees with
/// it within one level on the fixtures' tiles (0.0079 after normalisation, tolerance 0.02).
public struct Idefics3ImageProcessor: Sendable {
    /// transformers' `MAX_IMAGE_SIZE`: no edge is resized beyond it.
    public static let maxImageSize = 4096

    public let config: Idefics3ImageProcessorConfig
    public let filter: ResampleFilter
    /// Most tiles one image may become, the global image included: this bounds the vision
    /// work and the text sequence (every tile adds `image_seq_len` tokens) per image.
    public let maxTiles: Int
    /// Rescale-then-normalise of each byte value, per channel (3 x 256).
    private let sampleTable: [Float]

    /// Fails with a reason when `config` is unusable or `maxTiles` is below 1.
    public init(config: Idefics3ImageProcessorConfig, maxTiles: Int) throws(ModelLoadError) {
        if let problem = config.problem { throw .invalidConfig(path: "processor_config.json", reason: problem) }
        guard let filter = ResampleFilter(rawValue: config.resample) else {
            throw .invalidConfig(path: "processor_config.json", reason: "resample \(config.resample) is not a Pillow filter")
        }
        guard maxTiles >= 1 else { throw .invalidConfig(path: "processor_config.json", reason: "the tile limit must be at least 1") }
        self.config = config
        self.filter = filter
        self.maxTiles = maxTiles
        var table = [Float](repeating: 0, count: 3 * 256)
        for channel in 0..<3 {
            for byte in 0..<256 {
                var value = config.doRescale ? Float(Double(byte) * config.rescaleFactor) : Float(byte)
                if config.doNormalize { value = (value - Float(config.imageMean[channel])) / Float(config.imageStd[channel]) }
                table[channel * 256 + byte] = value
            }
        }
        sampleTable = table
    }

    /// The tile side (`max_image_size.longest_edge`).
    public var tileSize: Int { config.maxImageSize.longestEdge }

    /// Size after the first resize: `_resize_output_size_rescale_to_max_len` (longest edge to
    /// `longestEdge`, the other truncated then rounded up to even, at least 1), then
    /// `_resize_output_size_scale_below_upper_bound` (nothing above 4096).
    public static func resizedSize(width: Int, height: Int, longestEdge: Int) -> (width: Int, height: Int) {
        var (width, height) = (width, height)
        let aspect = Double(width) / Double(height)
        if width >= height {
            width = longestEdge
            height = Int(Double(width) / aspect)
            if height % 2 != 0 { height += 1 }
        } else {
            height = longestEdge
            width = Int(Double(height) * aspect)
            if width % 2 != 0 { width += 1 }
        }
        (width, height) = (max(width, 1), max(height, 1))
        let boundedAspect = Double(width) / Double(height)
        if width >= height && width > maxImageSize {
            width = maxImageSize
            height = Int(Double(width) / boundedAspect)
        } else if height > width && height > maxImageSize {
            height = maxImageSize
            width = Int(Double(height) * boundedAspect)
        }
        return (max(width, 1), max(height, 1))
    }

    /// `resize_for_vision_encoder`: the longest edge up to a multiple of `tile`, the other edge
    /// from the aspect ratio, also rounded up to a multiple of `tile` (at least one tile).
    public static func tiledSize(width: Int, height: Int, tile: Int) -> (width: Int, height: Int) {
        let aspect = Double(width) / Double(height)
        func roundUp(_ value: Int) -> Int { max((value + tile - 1) / tile, 1) * tile }
        if width >= height {
            let newWidth = roundUp(width)
            return (newWidth, roundUp(Int(Double(newWidth) / aspect)))
        }
        let newHeight = roundUp(height)
        return (roundUp(Int(Double(newHeight) * aspect)), newHeight)
    }

    /// The tile layout (`rows`, `cols`; 0 x 0 for a single image) an image of this size gets,
    /// without touching pixels: transformers' `get_number_of_image_patches`.
    public func layout(width: Int, height: Int) -> (rows: Int, cols: Int) {
        guard config.doImageSplitting else { return (0, 0) }
        var size = (width: width, height: height)
        if config.doResize { size = Self.resizedSize(width: width, height: height, longestEdge: config.size.longestEdge) }
        let tiled = Self.tiledSize(width: size.width, height: size.height, tile: tileSize)
        guard tiled.width > tileSize || tiled.height > tileSize else { return (0, 0) }
        return (tiled.height / tileSize, tiled.width / tileSize)
    }

    /// Tiles `image` (at least 1 x 1); fails before resizing anything when the layout exceeds
    /// `limit` (the caller's, such as the server's `max_tiles`) or ``maxTiles`` (what the model
    /// was loaded for), whichever is lower.
    public func tiles(_ image: RGBImage, limit: Int? = nil) throws(ImageTilingError) -> Idefics3Tiles {
        precondition(image.width > 0 && image.height > 0, "cannot tile an empty image")
        let (rows, cols) = layout(width: image.width, height: image.height)
        let count = rows == 0 ? 1 : rows * cols + 1
        let allowed = min(limit ?? maxTiles, maxTiles)
        guard count <= allowed else { throw .tooManyTiles(rows: rows, cols: cols, limit: allowed) }
        let tile = tileSize
        var resized = image
        if config.doResize {
            let size = Self.resizedSize(width: image.width, height: image.height, longestEdge: config.size.longestEdge)
            resized = resized.resized(width: size.width, height: size.height, filter: filter)
        }
        guard config.doImageSplitting else {
            return Idefics3Tiles(rows: 0, cols: 0, pixelValues: [pixelValues(resized.resized(width: tile, height: tile, filter: filter))])
        }
        let size = Self.tiledSize(width: resized.width, height: resized.height, tile: tile)
        resized = resized.resized(width: size.width, height: size.height, filter: filter)
        guard rows > 0 else { return Idefics3Tiles(rows: 0, cols: 0, pixelValues: [pixelValues(resized)]) }
        var values: [PixelValues] = []
        values.reserveCapacity(count)
        for row in 0..<rows {
            for col in 0..<cols {
                values.append(pixelValues(resized.cropped(x: col * tile, y: row * tile, width: tile, height: tile)))
            }
        }
        values.append(pixelValues(resized.resized(width: tile, height: tile, filter: filter)))
        return Idefics3Tiles(rows: rows, cols: cols, pixelValues: values)
    }

    /// Channel-major rescaled and normalised samples of `image`.
    func pixelValues(_ image: RGBImage) -> PixelValues {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: 3 * plane)
        sampleTable.withUnsafeBufferPointer { table in
            image.pixels.withUnsafeBufferPointer { pixels in
                for channel in 0..<3 {
                    let channelTable = table.baseAddress! + channel * 256
                    for index in 0..<plane {
                        values[channel * plane + index] = channelTable[Int(pixels[index * 3 + channel])]
                    }
                }
            }
        }
        return PixelValues(channels: 3, height: image.height, width: image.width, values: values)
    }
}
