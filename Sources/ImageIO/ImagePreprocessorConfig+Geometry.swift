/// The sizes transformers computes, with its exact integer rounding: an off-by-one target size
/// would shift every pixel of the result.
extension ImagePreprocessorConfig {
    /// The size an image of `width` x `height` is resized to (its own size when `doResize` is
    /// off). Never smaller than 1 x 1.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard doResize else { return (width, height) }
        let target: (height: Int, width: Int)
        switch size {
        case .exact(let targetHeight, let targetWidth):
            target = (targetHeight, targetWidth)
        case .shortestEdge(let edge, nil):
            target = Self.shortestEdgeSize(height: height, width: width, edge: edge)
        case .shortestEdge(let edge, let longestEdge?):
            target = Self.aspectRatioSize(height: height, width: width, edge: edge, maxSize: longestEdge)
        }
        return (max(target.width, 1), max(target.height, 1))
    }

    /// The size of `pixelValues` for an image of `width` x `height`.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        doCenterCrop ? (cropSize.width, cropSize.height) : resizedSize(width: width, height: height)
    }

    /// transformers' `get_resize_output_image_size(default_to_square=False)`: the long edge is
    /// `int(edge * long / short)`, a float division truncated toward zero.
    static func shortestEdgeSize(height: Int, width: Int, edge: Int) -> (height: Int, width: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let newLong = Int(Double(edge * long) / Double(short))
        return width <= height ? (newLong, edge) : (edge, newLong)
    }

    /// transformers' `get_size_with_aspect_ratio(image_size, size, max_size)`, used when both
    /// `shortest_edge` and `longest_edge` are given. Python's `round` rounds half to even.
    static func aspectRatioSize(height: Int, width: Int, edge: Int, maxSize: Int) -> (height: Int, width: Int) {
        var size = edge
        var rawSize: Double? = nil
        let minOriginal = Double(min(height, width))
        let maxOriginal = Double(max(height, width))
        if maxOriginal / minOriginal * Double(size) > Double(maxSize) {
            let raw = Double(maxSize) * minOriginal / maxOriginal
            rawSize = raw
            size = Int(raw.rounded(.toNearestOrEven))
        }
        if (height <= width && height == size) || (width <= height && width == size) {
            return (height, width)
        }
        if width < height {
            let newHeight = rawSize.map { Int($0 * Double(height) / Double(width)) }
                ?? Int(Double(size * height) / Double(width))
            return (newHeight, size)
        }
        let newWidth = rawSize.map { Int($0 * Double(width) / Double(height)) }
            ?? Int(Double(size * width) / Double(height))
        return (size, newWidth)
    }

    /// For one axis of the centre crop: output index `i` reads resized index `i + offset`;
    /// indices outside the resized image are zero padding. transformers crops from
    /// `(size - crop) // 2` and, when the image is smaller than the crop, pads
    /// `ceil((crop - size) / 2)` zeros before it.
    static func cropOffset(resized: Int, crop: Int) -> Int {
        resized >= crop ? (resized - crop) / 2 : -((crop - resized + 1) / 2)
    }
}
