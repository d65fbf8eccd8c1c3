import Foundation

/// The `image_processor` section of an Idefics3-style `processor_config.json` (or a standalone
/// `preprocessor_config.json`), as transformers' `Idefics3ImageProcessor` reads it. Keys are
/// decoded from snake_case; absent keys take transformers' class defaults.
public struct Idefics3ImageProcessorConfig: Decodable, Sendable, Equatable {
    /// A `{"longest_edge": n}` size.
    public struct LongestEdge: Decodable, Sendable, Equatable {
        public var longestEdge: Int
        public init(longestEdge: Int) { self.longestEdge = longestEdge }
    }

    /// Resize so that the longest edge is `size.longestEdge` before tiling.
    public var doResize: Bool = true
    /// The whole image's longest edge after the first resize (transformers: 4 x 364).
    public var size: LongestEdge = .init(longestEdge: 4 * 364)
    /// Cut the image into square tiles of `maxImageSize.longestEdge` plus a global image;
    /// without splitting the image is squashed into one tile.
    public var doImageSplitting: Bool = true
    /// The tile side, which is also the vision encoder's input size (transformers: 364).
    public var maxImageSize: LongestEdge = .init(longestEdge: 364)
    /// Pillow filter number; Idefics3 uses LANCZOS (1).
    public var resample: Int = 1
    public var doRescale: Bool = true
    public var rescaleFactor: Double = 1.0 / 255
    public var doNormalize: Bool = true
    /// transformers' IMAGENET_STANDARD_MEAN / STD.
    public var imageMean: [Double] = [0.5, 0.5, 0.5]
    public var imageStd: [Double] = [0.5, 0.5, 0.5]
    /// Always true in effect: decoding yields RGB (``ImageIO/RGBImage``).
    public var doConvertRgb: Bool = true
    /// Padding to the batch's largest tile; every tile here is already tile-sized, so it
    /// changes nothing (and the pixel attention mask is all ones).
    public var doPad: Bool = true

    enum CodingKeys: String, CodingKey {
        case doResize, size, doImageSplitting, maxImageSize, resample, doRescale, rescaleFactor
        case doNormalize, imageMean, imageStd, doConvertRgb, doPad
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        doResize = try c.decodeIfPresent(Bool.self, forKey: .doResize) ?? doResize
        size = try c.decodeIfPresent(LongestEdge.self, forKey: .size) ?? size
        doImageSplitting = try c.decodeIfPresent(Bool.self, forKey: .doImageSplitting) ?? doImageSplitting
        maxImageSize = try c.decodeIfPresent(LongestEdge.self, forKey: .maxImageSize) ?? maxImageSize
        resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? resample
        doRescale = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? doRescale
        rescaleFactor = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? rescaleFactor
        doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? doNormalize
        imageMean = try c.decodeIfPresent([Double].self, forKey: .imageMean) ?? imageMean
        imageStd = try c.decodeIfPresent([Double].self, forKey: .imageStd) ?? imageStd
        doConvertRgb = try c.decodeIfPresent(Bool.self, forKey: .doConvertRgb) ?? doConvertRgb
        doPad = try c.decodeIfPresent(Bool.self, forKey: .doPad) ?? doPad
    }

    /// What is wrong with the configuration, if anything (nil when usable).
    public var problem: String? {
        if size.longestEdge <= 0 { return "size.longest_edge must be positive, got \(size.longestEdge)" }
        if maxImageSize.longestEdge <= 0 { return "max_image_size.longest_edge must be positive, got \(maxImageSize.longestEdge)" }
        if imageMean.count != 3 || imageStd.count != 3 { return "image_mean and image_std need 3 values each" }
        if imageStd.contains(where: { $0 == 0 || !$0.isFinite }) { return "image_std must be finite and non-zero" }
        if !rescaleFactor.isFinite { return "rescale_factor must be finite" }
        return nil
    }
}

/// `processor_config.json` of an Idefics3-style processor (ColModernVBertProcessor,
/// Idefics3Processor): the image processor and how many `<image>` tokens one tile becomes.
public struct Idefics3ProcessorConfig: Decodable, Sendable, Equatable {
    /// Absent in older layouts, which keep it in `preprocessor_config.json` instead.
    public var imageProcessor: Idefics3ImageProcessorConfig?
    /// `<image>` tokens per tile: (image_size / patch_size)² / pixel_shuffle_factor². transformers'
    /// Idefics3Processor default is 169.
    public var imageSeqLen: Int = 169

    enum CodingKeys: String, CodingKey { case imageProcessor, imageSeqLen }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageProcessor = try c.decodeIfPresent(Idefics3ImageProcessorConfig.self, forKey: .imageProcessor)
        imageSeqLen = try c.decodeIfPresent(Int.self, forKey: .imageSeqLen) ?? imageSeqLen
    }
}
