/// A preprocessed image as the vision tower consumes it: float samples, channel-major
/// (`C x H x W`, i.e. all red samples row by row, then green, then blue), like transformers'
/// `pixel_values[i]`.
public struct PixelValues: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `channels * height * width` samples; index `(c * height + y) * width + x`.
    public var values: [Float]

    /// Wraps existing samples; `values.count` must be `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(channels > 0 && height >= 0 && width >= 0, "invalid pixel tensor shape")
        precondition(
            values.count == channels * height * width,
            "pixel values of \(channels) x \(height) x \(width) need \(channels * height * width) floats, "
                + "got \(values.count)")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// The sample of channel `c` at column `x`, row `y`.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        values[(c * height + y) * width + x]
    }
}
