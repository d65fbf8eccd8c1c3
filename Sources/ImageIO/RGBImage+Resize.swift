/// Whole-image resize and crop for pipelines that tile an image (Idefics3's processor) rather
/// than resize-and-centre-crop it (``ImagePreprocessor``).
extension RGBImage {
    /// This image resized to `width` x `height` as Pillow's `Image.resize(..., filter)` does
    /// (``PillowResampler``: horizontal pass, 8-bit intermediate, vertical pass; an axis whose
    /// size does not change is not filtered). Both sizes must be positive.
    public func resized(width: Int, height: Int, filter: ResampleFilter) -> RGBImage {
        precondition(width > 0 && height > 0, "resize to an empty size \(width) x \(height)")
        if width == self.width && height == self.height { return self }
        return PillowResampler.resize(self, width: width, height: height, filter: filter, columns: 0..<width, rows: 0..<height)
    }

    /// The `width` x `height` window whose top-left pixel is (`x`, `y`); it must lie inside.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && x + width <= self.width && y + height <= self.height, "crop outside the image")
        return PillowResampler.crop(self, columns: x..<(x + width), rows: y..<(y + height))
    }
}
