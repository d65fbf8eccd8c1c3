internal import CImageCodecs

/// The only place that talks to the C decoders: turns their status codes and messages into
/// `ImageError` and lets them write straight into the Swift array that becomes the image.
enum CodecBridge {
    /// What a header probe learned: the declared size, and how many bytes of image data the
    /// file holds against the fewest a complete file of that size can hold.
    struct Probe {
        var header: ImageHeader
        /// Bytes after the header (PNG: after IHDR; JPEG: after the first SOS header).
        var dataBytes: Int
        /// Lower bound of `dataBytes` for a complete file; 0 when none is known.
        var minDataBytes: Int
    }

    static func readHeader(
        _ buffer: UnsafeRawBufferPointer, format: ImageFormat, name: String, allowTruncated: Bool
    ) throws(ImageError) -> Probe {
        var info = ic_image_info()
        let bytes = buffer.bindMemory(to: UInt8.self)
        let status: ic_status
        switch format {
        case .png: status = ic_png_read_header(bytes.baseAddress, bytes.count, &info)
        case .jpeg:
            status = ic_jpeg_read_header(bytes.baseAddress, bytes.count, flags(allowTruncated), &info)
        }
        guard status == IC_STATUS_OK else {
            throw error(for: status, info: info, format: format, name: name, maxPixels: 0)
        }
        return Probe(
            header: ImageHeader(format: format, width: Int(info.width), height: Int(info.height)),
            dataBytes: Int(clamping: info.data_bytes), minDataBytes: Int(clamping: info.min_data_bytes))
    }

    private static func flags(_ allowTruncated: Bool) -> UInt32 {
        (allowTruncated ? IC_DECODE_ALLOW_TRUNCATED : IC_DECODE_STRICT).rawValue
    }

    /// Pixels decoded by C, and how much of the input the codec read to produce them.
    struct DecodedPixels {
        /// Row-major interleaved RGB, `width * height * 3` bytes.
        var pixels: [UInt8]
        /// Bytes of the encoded input the codec read; the rest was never touched.
        var bytesRead: Int
    }

    /// Decodes into a fresh array of exactly `width * height * 3` bytes, allocated here (after
    /// the caller checked the limit) and filled by C without an intermediate copy.
    static func decodeRGB8(
        _ buffer: UnsafeRawBufferPointer, header: ImageHeader, name: String, maxPixels: Int,
        alpha: AlphaPolicy, allowTruncated: Bool
    ) throws(ImageError) -> DecodedPixels {
        let alphaMode = alpha == .drop ? IC_ALPHA_DROP : IC_ALPHA_COMPOSITE_ON_WHITE
        let pixelLimit = UInt64(max(maxPixels, 0))
        let byteCount = header.pixelCount * 3
        let bytes = buffer.bindMemory(to: UInt8.self)
        var info = ic_image_info()
        var status = IC_STATUS_OK
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { output, initializedCount in
            switch header.format {
            case .png:
                status = ic_png_decode_rgb8(
                    bytes.baseAddress, bytes.count, pixelLimit, alphaMode, output.baseAddress,
                    byteCount, &info)
            case .jpeg:
                status = ic_jpeg_decode_rgb8(
                    bytes.baseAddress, bytes.count, pixelLimit, flags(allowTruncated),
                    output.baseAddress, byteCount, &info)
            }
            // On failure the array is thrown away below; claim no initialised elements.
            initializedCount = status == IC_STATUS_OK ? byteCount : 0
        }
        guard status == IC_STATUS_OK else {
            throw error(for: status, info: info, format: header.format, name: name, maxPixels: maxPixels)
        }
        return DecodedPixels(pixels: pixels, bytesRead: Int(clamping: info.bytes_read))
    }

    private static func error(
        for status: ic_status, info: ic_image_info, format: ImageFormat, name: String, maxPixels: Int
    ) -> ImageError {
        let message = info.messageText
        switch status {
        case IC_STATUS_TOO_LARGE:
            return .tooLarge(
                name: name, width: Int(info.width), height: Int(info.height), maxPixels: maxPixels)
        case IC_STATUS_OUT_OF_MEMORY:
            return .outOfMemory(name: name)
        case IC_STATUS_UNSUPPORTED:
            return .unsupportedFormat(name: name, detected: "\(format.rawValue) variant: \(message)")
        default:
            return .corrupt(name: name, reason: message.isEmpty ? "undecodable \(format.rawValue) data" : message)
        }
    }
}

extension ic_image_info {
    /// The NUL-terminated C message as a Swift string (invalid UTF-8 is repaired, not trusted).
    fileprivate var messageText: String {
        withUnsafeBytes(of: message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
