import Foundation

/// Turns a decoded image into the `pixel_values` a CLIP-style vision tower expects, matching
/// transformers' `CLIPImageProcessorPil`: PIL-compatible resize (`PillowResampler`), centre
/// crop (zero padding when the image is smaller than the crop), rescale, normalise,
/// channel-major float output.
///
/// Immutable and `Sendable`: build one per model and share it across requests.
public struct ImagePreprocessor: Sendable {
    public let config: ImagePreprocessorConfig
    /// For each channel, the output value of each possible byte: rescale and normalise depend
    /// only on the 8-bit sample, so 3 x 256 precomputed floats replace per-pixel arithmetic
    /// and reproduce numpy's float64-rescale-then-float32-normalise rounding exactly.
    private let sampleTable: [Float]

    /// A preprocessor for a validated configuration (see `ImagePreprocessorConfig.problem`).
    public init(config: ImagePreprocessorConfig) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.sampleTable = Self.makeSampleTable(config)
    }

    /// Reads `preprocessor_config.json` from a model folder in Hugging Face layout.
    public static func load(modelDirectory: URL) throws(ImageError) -> ImagePreprocessor {
        let url = modelDirectory.appendingPathComponent("preprocessor_config.json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .invalidPreprocessorConfig(
                path: url.path, reason: "cannot read it (\(error.localizedDescription))")
        }
        do {
            let config = try JSONDecoder().decode(ImagePreprocessorConfig.self, from: data)
            return ImagePreprocessor(config: config)
        } catch {
            throw .invalidPreprocessorConfig(path: url.path, reason: Self.describe(error))
        }
    }

    /// The model input for `image` (at least 1 x 1): `3 x H x W` floats, H x W being the crop
    /// size (or the resized size when cropping is off).
    public func pixelValues(_ image: RGBImage) -> PixelValues {
        precondition(image.width > 0 && image.height > 0, "cannot preprocess an empty image")
        let resized = config.resizedSize(width: image.width, height: image.height)
        let output = config.outputSize(width: image.width, height: image.height)
        // Output (y, x) shows resized (y + rowOffset, x + columnOffset), or padding outside it.
        let rowOffset = ImagePreprocessorConfig.cropOffset(resized: resized.height, crop: output.height)
        let columnOffset = ImagePreprocessorConfig.cropOffset(resized: resized.width, crop: output.width)
        // The part of the resized image the crop keeps; only that part is computed.
        let rows = max(rowOffset, 0)..<min(resized.height, output.height + rowOffset)
        let columns = max(columnOffset, 0)..<min(resized.width, output.width + columnOffset)
        let window: RGBImage
        if rows.isEmpty || columns.isEmpty {
            window = RGBImage(width: 0, height: 0, pixels: [])
        } else if resized == (image.width, image.height) {
            window = PillowResampler.crop(image, columns: columns, rows: rows)
        } else {
            window = PillowResampler.resize(
                image, width: resized.width, height: resized.height, filter: config.resample,
                columns: columns, rows: rows)
        }
        return normalise(window, outputSize: output, firstRow: rows.lowerBound - rowOffset,
                         firstColumn: columns.lowerBound - columnOffset)
    }

    /// Writes `window` at (`firstRow`, `firstColumn`) of the output, the rest being padding
    /// (byte 0), converting every byte through `sampleTable`.
    private func normalise(
        _ window: RGBImage, outputSize: (width: Int, height: Int), firstRow: Int, firstColumn: Int
    ) -> PixelValues {
        let (width, height) = outputSize
        let plane = width * height
        var values = [Float](repeating: 0, count: 3 * plane)
        sampleTable.withUnsafeBufferPointer { table in
            window.pixels.withUnsafeBufferPointer { source in
                values.withUnsafeMutableBufferPointer { destination in
                    for channel in 0..<3 {
                        let channelTable = table.baseAddress! + channel * 256
                        let padding = channelTable[0]
                        let planeBase = destination.baseAddress! + channel * plane
                        for y in 0..<height {
                            let line = planeBase + y * width
                            let windowRow = y - firstRow
                            guard windowRow >= 0 && windowRow < window.height else {
                                line.update(repeating: padding, count: width)
                                continue
                            }
                            let sourceLine = source.baseAddress! + windowRow * window.width * 3 + channel
                            for x in 0..<width {
                                let windowColumn = x - firstColumn
                                line[x] = windowColumn >= 0 && windowColumn < window.width
                                    ? channelTable[Int(sourceLine[windowColumn * 3])]
                                    : padding
                            }
                        }
                    }
                }
            }
        }
        return PixelValues(channels: 3, height: height, width: width, values: values)
    }

    /// transformers rescales in float64 (`image.astype(np.float64) * scale`), casts to float32,
    /// then normalises in float32 (`(image - mean) / std`).
    private static func makeSampleTable(_ config: ImagePreprocessorConfig) -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for channel in 0..<3 {
            for byte in 0..<256 {
                var value = config.doRescale ? Float(Double(byte) * config.rescaleFactor) : Float(byte)
                if config.doNormalize {
                    value = (value - Float(config.imageMean[channel])) / Float(config.imageStd[channel])
                }
                table[channel * 256 + byte] = value
            }
        }
        return table
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context),
            DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
