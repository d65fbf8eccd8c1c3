/// A decoded image: 8-bit RGB samples, interleaved (`r, g, b, r, g, b, ...`), row-major from
/// the top-left pixel, with no padding between rows.
///
/// Whatever the file stored (gray, palette, alpha, 16-bit, CMYK), decoding yields this one
/// layout, converted as Pillow's `Image.convert("RGB")` would, so that preprocessing matches
/// the Python reference pipeline pixel for pixel.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels (at least 1 for decoded images).
    public let width: Int
    /// Height in pixels (at least 1 for decoded images).
    public let height: Int
    /// `width * height * 3` samples.
    public var pixels: [UInt8]

    /// Wraps existing samples. `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width) x \(height)")
        precondition(
            pixels.count == width * height * 3,
            "RGBImage of \(width) x \(height) needs \(width * height * 3) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The `(r, g, b)` samples at column `x`, row `y` (for tests and debugging, not hot loops).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let index = (y * width + x) * 3
        return (pixels[index], pixels[index + 1], pixels[index + 2])
    }
}
