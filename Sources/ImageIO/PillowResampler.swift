/// Pillow-compatible `Image.resize` for 8-bit RGB, computing only a window of the output.
///
/// Pillow resizes in two separable passes: horizontal first, into an 8-bit intermediate
/// (clamped), over only the source rows the vertical pass will read; then vertical. An axis
/// whose size does not change is not filtered at all. Reproducing those steps, with the same
/// fixed-point weights (`ResampleAxis`), gives byte-identical pixels.
///
/// Computing just the window that the centre crop keeps is equivalent (every output pixel
/// depends only on its own table rows) and bounds the work and memory by the crop size, even
/// for extreme aspect ratios where the full resized image would be huge.
enum PillowResampler {
    /// The pixels at `columns` x `rows` of `image` resized to `width` x `height`.
    static func resize(
        _ image: RGBImage, width: Int, height: Int, filter: ResampleFilter,
        columns: Range<Int>, rows: Range<Int>
    ) -> RGBImage {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= width, "column window out of range")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height, "row window out of range")
        if filter == .nearest {
            return nearest(image, width: width, height: height, columns: columns, rows: rows)
        }
        let vertical = height != image.height
            ? ResampleAxis(inputSize: image.height, outputSize: height, outputRange: rows, filter: filter)
            : nil
        // Source rows the vertical pass reads (or the window itself when it is skipped).
        let sourceRows = vertical?.inputRange ?? rows
        let horizontallyResized: RGBImage
        if width != image.width {
            let horizontal = ResampleAxis(
                inputSize: image.width, outputSize: width, outputRange: columns, filter: filter)
            horizontallyResized = resampleRows(image, rows: sourceRows, axis: horizontal)
        } else {
            horizontallyResized = crop(image, columns: columns, rows: sourceRows)
        }
        guard let vertical else { return horizontallyResized }
        return resampleColumns(horizontallyResized, axis: vertical)
    }

    /// Horizontal pass: filters each row in `rows` of `image` along x.
    private static func resampleRows(_ image: RGBImage, rows: Range<Int>, axis: ResampleAxis) -> RGBImage {
        let outputWidth = axis.outputRange.count
        let sourceStride = image.width * 3
        let kernelSize = axis.kernelSize
        var output = [UInt8](repeating: 0, count: outputWidth * rows.count * 3)
        image.pixels.withUnsafeBufferPointer { source in
            axis.weights.withUnsafeBufferPointer { weights in
                axis.starts.withUnsafeBufferPointer { starts in
                    axis.counts.withUnsafeBufferPointer { counts in
                        output.withUnsafeMutableBufferPointer { destination in
                            guard let sourceBase = source.baseAddress, let weightBase = weights.baseAddress,
                                let destinationBase = destination.baseAddress
                            else { return }
                            for (outputRow, sourceRow) in rows.enumerated() {
                                let sourceLine = sourceBase + sourceRow * sourceStride
                                var target = destinationBase + outputRow * outputWidth * 3
                                for slot in 0..<outputWidth {
                                    let kernel = weightBase + slot * kernelSize
                                    var sample = sourceLine + starts[slot] * 3
                                    var red = ResampleAxis.roundingBias
                                    var green = ResampleAxis.roundingBias
                                    var blue = ResampleAxis.roundingBias
                                    for tap in 0..<counts[slot] {
                                        let weight = kernel[tap]
                                        red &+= Int32(sample[0]) &* weight
                                        green &+= Int32(sample[1]) &* weight
                                        blue &+= Int32(sample[2]) &* weight
                                        sample += 3
                                    }
                                    target[0] = ResampleAxis.clampToByte(red)
                                    target[1] = ResampleAxis.clampToByte(green)
                                    target[2] = ResampleAxis.clampToByte(blue)
                                    target += 3
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outputWidth, height: rows.count, pixels: output)
    }

    /// Vertical pass: `image` holds exactly the source rows `axis.inputRange`.
    private static func resampleColumns(_ image: RGBImage, axis: ResampleAxis) -> RGBImage {
        let stride = image.width * 3
        let firstSourceRow = axis.inputRange.lowerBound
        let kernelSize = axis.kernelSize
        let outputHeight = axis.outputRange.count
        var output = [UInt8](repeating: 0, count: stride * outputHeight)
        // One accumulator per sample of the output row; summing tap by tap keeps the inner loop
        // contiguous (and vectorisable) while adding the same terms as Pillow per sample.
        var accumulators = [Int32](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { source in
            axis.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { destination in
                    accumulators.withUnsafeMutableBufferPointer { sums in
                        guard let sourceBase = source.baseAddress, let weightBase = weights.baseAddress,
                            let destinationBase = destination.baseAddress, let sumBase = sums.baseAddress
                        else { return }
                        for slot in 0..<outputHeight {
                            sums.update(repeating: ResampleAxis.roundingBias)
                            let kernel = weightBase + slot * kernelSize
                            let firstLine = axis.starts[slot] - firstSourceRow
                            for tap in 0..<axis.counts[slot] {
                                let weight = kernel[tap]
                                let line = sourceBase + (firstLine + tap) * stride
                                for index in 0..<stride {
                                    sumBase[index] &+= Int32(line[index]) &* weight
                                }
                            }
                            let destinationLine = destinationBase + slot * stride
                            for index in 0..<stride {
                                destinationLine[index] = ResampleAxis.clampToByte(sumBase[index])
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: outputHeight, pixels: output)
    }

    /// Pillow resizes with NEAREST through an affine transform, not a convolution: each output
    /// pixel copies the source pixel under its centre, `floor((x + 0.5) * in / out)`.
    private static func nearest(
        _ image: RGBImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>
    ) -> RGBImage {
        let xScale = Double(Float(image.width)) / Double(width)
        let yScale = Double(Float(image.height)) / Double(height)
        let sourceColumns = columns.map { min(Int((Double($0) + 0.5) * xScale), image.width - 1) }
        var output = [UInt8]()
        output.reserveCapacity(columns.count * rows.count * 3)
        for y in rows {
            let sourceRow = min(Int((Double(y) + 0.5) * yScale), image.height - 1)
            let lineStart = sourceRow * image.width * 3
            for sourceColumn in sourceColumns {
                let index = lineStart + sourceColumn * 3
                output.append(contentsOf: image.pixels[index..<(index + 3)])
            }
        }
        return RGBImage(width: columns.count, height: rows.count, pixels: output)
    }

    /// Copies a window of `image` (returns it unchanged when the window is everything).
    static func crop(_ image: RGBImage, columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        if columns == 0..<image.width && rows == 0..<image.height { return image }
        var output = [UInt8]()
        output.reserveCapacity(columns.count * rows.count * 3)
        for y in rows {
            let lineStart = (y * image.width + columns.lowerBound) * 3
            output.append(contentsOf: image.pixels[lineStart..<(lineStart + columns.count * 3)])
        }
        return RGBImage(width: columns.count, height: rows.count, pixels: output)
    }
}
