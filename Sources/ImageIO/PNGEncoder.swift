internal import CImageCodecs

/// Writes images as PNG files, for pictures made for people (search hits with the words that
/// matched boxed); models never read what it writes.
public enum PNGEncoder {
    public static func encode(_ image: RGBImage, name: String = "image") throws(ImageError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var count = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            ic_png_encode_rgb8(pixels.baseAddress, UInt32(clamping: image.width), UInt32(clamping: image.height), &output, &count)
        }
        defer { ic_free(output) }
        guard status == IC_STATUS_OK, let output else {
            throw status == IC_STATUS_OUT_OF_MEMORY ? .outOfMemory(name: name) : .corrupt(name: name, reason: "cannot encode a \(image.width)x\(image.height) PNG")
        }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }
}
