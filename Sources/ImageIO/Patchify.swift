/// Cuts pixel values into the non-overlapping square patches a ViT embeds.
public enum Patchify {
    /// The patches of `pixels`, row-major over the patch grid: `rows * cols` patches of
    /// `channels * patchSize * patchSize` floats each. Inside a patch, samples are ordered
    /// (channel, y, x), the order of a Conv2d weight `[out, c, p, p]` flattened to
    /// `[out, c * p * p]`, so the patch embedding becomes one matrix product:
    /// `embeddings[rows * cols, out] = patches * weightᵀ`.
    ///
    /// Throws `patchSizeMismatch` unless height and width are positive multiples of
    /// `patchSize`.
    public static func patches(
        _ pixels: PixelValues, patchSize: Int
    ) throws(ImageError) -> (rows: Int, cols: Int, values: [Float]) {
        guard patchSize > 0, pixels.height > 0, pixels.width > 0,
            pixels.height % patchSize == 0, pixels.width % patchSize == 0
        else {
            throw .patchSizeMismatch(height: pixels.height, width: pixels.width, patchSize: patchSize)
        }
        let rows = pixels.height / patchSize
        let cols = pixels.width / patchSize
        let planeSize = pixels.height * pixels.width
        var output = [Float]()
        output.reserveCapacity(rows * cols * pixels.channels * patchSize * patchSize)
        pixels.values.withUnsafeBufferPointer { source in
            for row in 0..<rows {
                for col in 0..<cols {
                    for channel in 0..<pixels.channels {
                        for y in 0..<patchSize {
                            // One patch line is contiguous in the source: copy it whole.
                            let start = channel * planeSize + (row * patchSize + y) * pixels.width + col * patchSize
                            output.append(contentsOf: source[start..<(start + patchSize)])
                        }
                    }
                }
            }
        }
        return (rows, cols, output)
    }
}
