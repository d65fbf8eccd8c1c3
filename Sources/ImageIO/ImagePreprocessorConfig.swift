/// The image settings of a Hugging Face `preprocessor_config.json` (CLIPImageProcessor and the
/// processors shaped like it: resize, centre crop, rescale, normalise).
///
/// Missing keys take CLIPImageProcessor's defaults. Keys we do not use (`image_processor_type`,
/// `processor_class`, ...) are ignored.
public struct ImagePreprocessorConfig: Decodable, Sendable, Equatable {
    /// How the image is resized before cropping.
    public enum ResizeTarget: Sendable, Equatable {
        /// The shorter edge becomes `shortestEdge`, the other keeps the aspect ratio (truncated
        /// to an integer, as transformers does); with `longestEdge`, the target shrinks so that
        /// the longer edge does not exceed it.
        case shortestEdge(Int, longestEdge: Int?)
        /// Exactly this size, ignoring the aspect ratio.
        case exact(height: Int, width: Int)
    }

    /// Height and width of the centre crop.
    public struct CropSize: Sendable, Equatable {
        public var height: Int
        public var width: Int

        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    /// OpenAI CLIP's channel means, transformers' `OPENAI_CLIP_MEAN`.
    public static let openAIClipMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP's channel standard deviations, transformers' `OPENAI_CLIP_STD`.
    public static let openAIClipStd: [Double] = [0.26862954, 0.26130258, 0.27577711]

    public var doResize: Bool
    public var size: ResizeTarget
    public var resample: ResampleFilter
    public var doCenterCrop: Bool
    public var cropSize: CropSize
    public var doRescale: Bool
    public var rescaleFactor: Double
    public var doNormalize: Bool
    public var imageMean: [Double]
    public var imageStd: [Double]
    /// Always effectively true here: decoded images are RGB already.
    public var doConvertRGB: Bool

    /// A configuration in code; the defaults are CLIPImageProcessor's (ViT-B/32 at 224 pixels).
    public init(
        doResize: Bool = true,
        size: ResizeTarget = .shortestEdge(224, longestEdge: nil),
        resample: ResampleFilter = .bicubic,
        doCenterCrop: Bool = true,
        cropSize: CropSize = CropSize(height: 224, width: 224),
        doRescale: Bool = true,
        rescaleFactor: Double = 1.0 / 255.0,
        doNormalize: Bool = true,
        imageMean: [Double] = ImagePreprocessorConfig.openAIClipMean,
        imageStd: [Double] = ImagePreprocessorConfig.openAIClipStd,
        doConvertRGB: Bool = true
    ) {
        self.doResize = doResize
        self.size = size
        self.resample = resample
        self.doCenterCrop = doCenterCrop
        self.cropSize = cropSize
        self.doRescale = doRescale
        self.rescaleFactor = rescaleFactor
        self.doNormalize = doNormalize
        self.imageMean = imageMean
        self.imageStd = imageStd
        self.doConvertRGB = doConvertRGB
    }

    /// Why the configuration cannot be used, or nil when it can.
    public var problem: String? {
        switch size {
        case .shortestEdge(let edge, let longest):
            if edge <= 0 { return "size.shortest_edge must be positive, got \(edge)" }
            if let longest, longest <= edge {
                return "size.longest_edge (\(longest)) must exceed shortest_edge (\(edge))"
            }
        case .exact(let height, let width):
            if height <= 0 || width <= 0 { return "size must be positive, got \(height) x \(width)" }
        }
        if doCenterCrop && (cropSize.height <= 0 || cropSize.width <= 0) {
            return "crop_size must be positive, got \(cropSize.height) x \(cropSize.width)"
        }
        if !rescaleFactor.isFinite { return "rescale_factor must be finite" }
        if doNormalize {
            if imageMean.count != 3 || imageStd.count != 3 {
                return "image_mean and image_std need 3 values (RGB), got \(imageMean.count) and \(imageStd.count)"
            }
            if imageStd.contains(0) || !(imageMean + imageStd).allSatisfy(\.isFinite) {
                return "image_std must be non-zero and all values finite"
            }
        }
        return nil
    }
}

// MARK: - Decoding preprocessor_config.json

extension ImagePreprocessorConfig {
    private enum CodingKeys: String, CodingKey {
        case doResize = "do_resize"
        case size
        case resample
        case doCenterCrop = "do_center_crop"
        case cropSize = "crop_size"
        case doRescale = "do_rescale"
        case rescaleFactor = "rescale_factor"
        case doNormalize = "do_normalize"
        case imageMean = "image_mean"
        case imageStd = "image_std"
        case doConvertRGB = "do_convert_rgb"
    }

    /// `size` / `crop_size` appear as an integer or as an object, depending on the checkpoint's
    /// age.
    private struct SizeObject: Decodable {
        var shortestEdge: Int?
        var longestEdge: Int?
        var height: Int?
        var width: Int?

        enum CodingKeys: String, CodingKey {
            case shortestEdge = "shortest_edge"
            case longestEdge = "longest_edge"
            case height, width
        }
    }

    /// `image_mean` / `image_std` may be one number for all channels.
    private static func decodeChannels(
        _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, default value: [Double]
    ) throws -> [Double] {
        if let single = try? container.decode(Double.self, forKey: key) {
            return [single, single, single]
        }
        return try container.decodeIfPresent([Double].self, forKey: key) ?? value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()  // CLIPImageProcessor's defaults, overridden key by key below
        let defaults = self
        doResize = try container.decodeIfPresent(Bool.self, forKey: .doResize) ?? defaults.doResize
        doCenterCrop =
            try container.decodeIfPresent(Bool.self, forKey: .doCenterCrop) ?? defaults.doCenterCrop
        doRescale = try container.decodeIfPresent(Bool.self, forKey: .doRescale) ?? defaults.doRescale
        rescaleFactor =
            try container.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? defaults.rescaleFactor
        doNormalize =
            try container.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? defaults.doNormalize
        doConvertRGB =
            try container.decodeIfPresent(Bool.self, forKey: .doConvertRGB) ?? defaults.doConvertRGB
        imageMean = try Self.decodeChannels(container, .imageMean, default: defaults.imageMean)
        imageStd = try Self.decodeChannels(container, .imageStd, default: defaults.imageStd)

        if let code = try container.decodeIfPresent(Int.self, forKey: .resample) {
            guard let filter = ResampleFilter(rawValue: code) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .resample, in: container, debugDescription: "unknown PIL resample filter \(code)")
            }
            resample = filter
        }
        size = try Self.decodeResizeTarget(container) ?? defaults.size
        cropSize = try Self.decodeCropSize(container) ?? defaults.cropSize

        if let problem {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    /// An integer `size` means the shortest edge: CLIP-style processors use
    /// `default_to_square=False`, which is the case this type models.
    private static func decodeResizeTarget(_ container: KeyedDecodingContainer<CodingKeys>) throws -> ResizeTarget? {
        guard container.contains(.size), try !container.decodeNil(forKey: .size) else { return nil }
        if let edge = try? container.decode(Int.self, forKey: .size) {
            return .shortestEdge(edge, longestEdge: nil)
        }
        let object = try container.decode(SizeObject.self, forKey: .size)
        if let edge = object.shortestEdge {
            return .shortestEdge(edge, longestEdge: object.longestEdge)
        }
        if let height = object.height, let width = object.width {
            return .exact(height: height, width: width)
        }
        throw DecodingError.dataCorruptedError(
            forKey: .size, in: container,
            debugDescription: "size needs shortest_edge or height and width (max_height/max_width is not supported)")
    }

    private static func decodeCropSize(_ container: KeyedDecodingContainer<CodingKeys>) throws -> CropSize? {
        guard container.contains(.cropSize), try !container.decodeNil(forKey: .cropSize) else {
            return nil
        }
        if let side = try? container.decode(Int.self, forKey: .cropSize) {
            return CropSize(height: side, width: side)
        }
        let object = try container.decode(SizeObject.self, forKey: .cropSize)
        guard let height = object.height, let width = object.width else {
            throw DecodingError.dataCorruptedError(
                forKey: .cropSize, in: container, debugDescription: "crop_size needs height and width")
        }
        return CropSize(height: height, width: width)
    }
}
