import Foundation
import ImageIO

/// The `image_processor` section of a Siglip2 `processor_config.json` (or a standalone
/// `preprocessor_config.json`), as transformers' `Siglip2ImageProcessor` reads it; absent keys
/// take that class's defaults.
public struct Siglip2ImageProcessorConfig: Decodable, Sendable, Equatable {
    /// Side of a square patch in pixels.
    public var patchSize: Int = 16
    /// The patch budget: an image is resized so its patch grid holds at most this many.
    public var maxNumPatches: Int = 256
    /// Pillow filter number; Siglip2 uses BILINEAR (2).
    public var resample: Int = 2
    public var doRescale: Bool = true
    public var rescaleFactor: Double = 1.0 / 255
    public var doNormalize: Bool = true
    public var imageMean: [Double] = [0.5, 0.5, 0.5]
    public var imageStd: [Double] = [0.5, 0.5, 0.5]

    enum CodingKeys: String, CodingKey {
        case patchSize, maxNumPatches, resample, doRescale, rescaleFactor, doNormalize, imageMean, imageStd
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
        maxNumPatches = try c.decodeIfPresent(Int.self, forKey: .maxNumPatches) ?? maxNumPatches
        resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? resample
        doRescale = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? doRescale
        rescaleFactor = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? rescaleFactor
        doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? doNormalize
        imageMean = try c.decodeIfPresent([Double].self, forKey: .imageMean) ?? imageMean
        imageStd = try c.decodeIfPresent([Double].self, forKey: .imageStd) ?? imageStd
    }

    /// What is wrong with the configuration, if anything (nil when usable).
    public var problem: String? {
        if patchSize <= 0 { return "patch_size must be positive, got \(patchSize)" }
        if maxNumPatches <= 0 { return "max_num_patches must be positive, got \(maxNumPatches)" }
        if ResampleFilter(rawValue: resample) == nil { return "resample \(resample) is not a Pillow filter" }
        if imageMean.count != 3 || imageStd.count != 3 { return "image_mean and image_std need 3 values each" }
        if imageStd.contains(where: { $0 == 0 || !$0.isFinite }) { return "image_std must be finite and non-zero" }
        if !rescaleFactor.isFinite { return "rescale_factor must be finite" }
        return nil
    }
}

/// transformers' `Siglip2ImageProcessor` (NaFlex): each image keeps its aspect ratio and is
/// resized to the largest multiple-of-patch size whose patch grid fits the patch budget (or
/// enlarged up to it), then rescaled, normalised and cut into patches. The reference pads the
/// patches to the budget with a mask; here the grid is kept at its own size instead.
public struct Siglip2ImageProcessor: Sendable {
    public let config: Siglip2ImageProcessorConfig
    let filter: ResampleFilter
    /// Per channel, the normalised value of each 8-bit sample.
    private let sampleTable: [Float]

    /// A processor for `config`, read from `path` (named in the error when it is unusable).
    public init(config: Siglip2ImageProcessorConfig, path: String = "processor_config.json") throws(ModelLoadError) {
        if let problem = config.problem { throw .invalidConfig(path: path, reason: problem) }
        self.config = config
        filter = ResampleFilter(rawValue: config.resample) ?? .bilinear
        var table: [Float] = []
        for channel in 0..<3 {
            for byte in 0..<256 {
                var value = config.doRescale ? Float(Double(byte) * config.rescaleFactor) : Float(byte)
                if config.doNormalize { value = (value - Float(config.imageMean[channel])) / Float(config.imageStd[channel]) }
                table.append(value)
            }
        }
        sampleTable = table
    }

    /// The size (multiples of the patch size, at least one patch each way) an image of
    /// `width` x `height` is resized to: `get_image_size_for_max_num_patches`, the same binary
    /// search over the scale in double precision with the same bounds and tolerance, so the
    /// chosen grid is the reference's.
    public func targetSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let patch = Double(config.patchSize)
        func scaled(_ size: Int, _ scale: Double) -> Int {
            max(config.patchSize, Int((Double(size) * scale / patch).rounded(.up) * patch))
        }
        let epsilon = 1e-5
        var low = epsilon / 10, high = 100.0
        while high - low >= epsilon {
            let scale = (low + high) / 2
            let patches = Double(scaled(height, scale)) / patch * (Double(scaled(width, scale)) / patch)
            if patches <= Double(config.maxNumPatches) { low = scale } else { high = scale }
        }
        return (scaled(width, low), scaled(height, low))
    }

    /// The patch grid of `image` (at least 1 x 1 pixels): rows and columns of patches and their
    /// values, (channel, y, x) inside a patch, patches row-major.
    public func patchGrid(_ image: RGBImage) -> ClipVisionModel.PatchGrid {
        precondition(image.width > 0 && image.height > 0, "cannot preprocess an empty image")
        let size = targetSize(width: image.width, height: image.height)
        let resized = image.resized(width: size.width, height: size.height, filter: filter)
        let plane = resized.width * resized.height
        var values = [Float](repeating: 0, count: 3 * plane)
        sampleTable.withUnsafeBufferPointer { table in
            resized.pixels.withUnsafeBufferPointer { pixels in
                for channel in 0..<3 {
                    let channelTable = table.baseAddress! + channel * 256
                    for index in 0..<plane { values[channel * plane + index] = channelTable[Int(pixels[index * 3 + channel])] }
                }
            }
        }
        let pixels = PixelValues(channels: 3, height: resized.height, width: resized.width, values: values)
        // The size is a positive multiple of the patch size by construction.
        let cut = try! Patchify.patches(pixels, patchSize: config.patchSize)
        return .init(rows: cut.rows, cols: cut.cols, values: cut.values)
    }
}
