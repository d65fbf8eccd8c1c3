import Foundation

/// What an encoded image declares about itself, read without decoding any pixel.
public struct ImageHeader: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int

    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// `width * height`.
    public var pixelCount: Int { width * height }
}

/// Decodes PNG and JPEG bytes into `RGBImage`.
///
/// Order of checks, cheapest first, so hostile inputs cost as little as possible: empty input,
/// encoded size limit, magic bytes (anything but PNG/JPEG is `unsupportedFormat`, naming what it
/// looks like), header (dimensions against `ImageLimits.maxPixels`, and the image data the file
/// holds against the least a complete file of that size needs, before any pixel memory is
/// allocated), then the full decode in C, which never crashes, prints or exits on bad data, and
/// reads no further than the declared image (a PNG's trailing image data is never inflated).
public enum ImageDecoder {
    /// Decodes `bytes`. `name` only labels errors (a file name, or e.g. "inputs[2]"); `alpha`
    /// says what transparency becomes (by default what transformers' processors do).
    public static func decode(
        _ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits(),
        alpha: AlphaPolicy = .compositeOnWhite
    ) throws(ImageError) -> RGBImage {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try decode(raw, name: name, limits: limits, alpha: alpha) }
        }
        return try result.get()
    }

    /// Decodes `data`. `name` only labels errors.
    public static func decode(
        _ data: Data, name: String, limits: ImageLimits = ImageLimits(),
        alpha: AlphaPolicy = .compositeOnWhite
    ) throws(ImageError) -> RGBImage {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try decode(raw, name: name, limits: limits, alpha: alpha) }
        }
        return try result.get()
    }

    /// Decodes bytes that live elsewhere (e.g. a NIO `ByteBuffer`'s readable bytes) without
    /// copying them first. The buffer only has to stay valid during the call.
    public static func decode(
        _ buffer: UnsafeRawBufferPointer, name: String, limits: ImageLimits = ImageLimits(),
        alpha: AlphaPolicy = .compositeOnWhite
    ) throws(ImageError) -> RGBImage {
        try decodeCountingInput(buffer, name: name, limits: limits, alpha: alpha).image
    }

    /// `decode`, also reporting how many bytes of the input the codec read. Tests use it to show
    /// that a decode stops where the declared image ends, whatever follows it.
    static func decodeCountingInput(
        _ buffer: UnsafeRawBufferPointer, name: String, limits: ImageLimits = ImageLimits(),
        alpha: AlphaPolicy = .compositeOnWhite
    ) throws(ImageError) -> (image: RGBImage, bytesRead: Int) {
        let probe = try probe(buffer, name: name, limits: limits)
        let header = probe.header
        guard header.width <= limits.maxPixels / header.height else {
            throw .tooLarge(
                name: name, width: header.width, height: header.height, maxPixels: limits.maxPixels)
        }
        try requireImageData(probe, name: name, allowTruncated: limits.allowTruncated)
        let decoded = try CodecBridge.decodeRGB8(
            buffer, header: header, name: name, maxPixels: limits.maxPixels, alpha: alpha,
            allowTruncated: limits.allowTruncated)
        let image = RGBImage(width: header.width, height: header.height, pixels: decoded.pixels)
        return (image, decoded.bytesRead)
    }

    /// Identifies the format and reads the declared size, allocating nothing for pixels.
    /// Applies the empty / encoded-size / format checks but not `maxPixels`: the caller sees
    /// the size and decides (`decode` refuses it).
    public static func readHeader(
        _ buffer: UnsafeRawBufferPointer, name: String, limits: ImageLimits = ImageLimits()
    ) throws(ImageError) -> ImageHeader {
        try probe(buffer, name: name, limits: limits).header
    }

    /// `readHeader`, with what the codec learned about the image data that follows.
    static func probe(
        _ buffer: UnsafeRawBufferPointer, name: String, limits: ImageLimits
    ) throws(ImageError) -> CodecBridge.Probe {
        guard !buffer.isEmpty else { throw .empty(name: name) }
        guard buffer.count <= limits.maxEncodedBytes else {
            throw .encodedTooLarge(name: name, byteCount: buffer.count, maxBytes: limits.maxEncodedBytes)
        }
        switch FormatSniffer.sniff(buffer) {
        case .unsupported(let detected):
            throw .unsupportedFormat(name: name, detected: detected)
        case .supported(let format):
            return try CodecBridge.readHeader(
                buffer, format: format, name: name, allowTruncated: limits.allowTruncated)
        }
    }

    /// `readHeader` for an array of bytes.
    public static func readHeader(
        _ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits()
    ) throws(ImageError) -> ImageHeader {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try readHeader(raw, name: name, limits: limits) }
        }
        return try result.get()
    }
}
