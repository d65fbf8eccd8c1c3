/// Why an image could not be decoded or preprocessed. Every case names the input (a file name,
/// or whatever label the caller passed, e.g. "inputs[3]") so that a batch error points at the
/// offending item.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input holds no bytes at all.
    case empty(name: String)
    /// The bytes are not PNG or JPEG. `detected` names the format recognised from its magic
    /// bytes (GIF, BMP, WebP, TIFF, SVG, ...), or is nil when nothing was recognised.
    case unsupportedFormat(name: String, detected: String?)
    /// The data claims to be PNG/JPEG but is malformed or truncated; `reason` is the codec's
    /// own explanation.
    case corrupt(name: String, reason: String)
    /// The header declares more pixels than `ImageLimits.maxPixels`. Refused before decoding.
    case tooLarge(name: String, width: Int, height: Int, maxPixels: Int)
    /// The encoded input is longer than `ImageLimits.maxEncodedBytes`. Refused unread.
    case encodedTooLarge(name: String, byteCount: Int, maxBytes: Int)
    /// The codec could not allocate its working memory.
    case outOfMemory(name: String)
    /// preprocessor_config.json is missing, unreadable or holds values we cannot honour.
    case invalidPreprocessorConfig(path: String, reason: String)
    /// A pixel tensor whose height or width is not a multiple of the patch size.
    case patchSizeMismatch(height: Int, width: Int, patchSize: Int)

    public var description: String {
        switch self {
        case .empty(let name):
            return "image '\(name)' is empty (0 bytes)"
        case .unsupportedFormat(let name, let detected):
            let what = detected.map { "detected \($0)" } ?? "unrecognised data"
            return "unsupported image format for '\(name)' (\(what)); supported formats are PNG and JPEG"
        case .corrupt(let name, let reason):
            return "image '\(name)' is corrupt or truncated: \(reason)"
        case .tooLarge(let name, let width, let height, let maxPixels):
            return "image '\(name)' is \(width) x \(height) = \(width * height) pixels, "
                + "over the limit of \(maxPixels) pixels"
        case .encodedTooLarge(let name, let byteCount, let maxBytes):
            return "image '\(name)' is \(byteCount) bytes, over the limit of \(maxBytes) bytes"
        case .outOfMemory(let name):
            return "out of memory while decoding image '\(name)'"
        case .invalidPreprocessorConfig(let path, let reason):
            return "invalid image preprocessor config \(path): \(reason)"
        case .patchSizeMismatch(let height, let width, let patchSize):
            return "pixel values of \(height) x \(width) cannot be cut into \(patchSize) x \(patchSize) patches"
        }
    }
}
