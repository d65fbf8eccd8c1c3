import EmbeddingKernels

/// SigLIP2's NaFlex forward pass: images of any patch grid (each within the processor's patch
/// budget), the learned square position grid resized to each image's grid, and the
/// attention-pooling head. transformers pads every image to `max_num_patches` and masks the
/// padding in attention and in the head; packing the images without padding computes the same.
extension SiglipVisionModel {
    /// `last_hidden_state` (after `post_layernorm`) of each image, `rows * cols` tokens each.
    /// Every grid holds its patches in (channel, y, x) order, row-major over the grid.
    public func naFlex(_ images: [ClipVisionModel.PatchGrid]) -> PackedHiddenStates {
        let h = config.hiddenSize
        let lengths = images.map { $0.rows * $0.cols }
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        let tokens = lengths.reduce(0, +)
        var states = Tensor(shape: [tokens, h])
        guard tokens > 0 else { return PackedHiddenStates(values: states, sequences: sequences) }
        precondition(zip(images, lengths).allSatisfy { $0.values.count == $1 * patchValues }, "a grid's values do not fill its patches")
        patchEmbedding(images.flatMap(\.values), rows: tokens, into: &states.storage)
        for (index, image) in images.enumerated() {
            let positions = resizedPositionEmbeddings(rows: image.rows, cols: image.cols)
            let base = sequences[index].lowerBound * h
            for i in 0..<positions.count { states.storage[base + i] += positions[i] }
        }
        encoder(&states, sequences: sequences, causal: false)
        states.storage.withUnsafeMutableBufferPointer { postLayernorm($0.baseAddress!, rows: tokens) }
        return PackedHiddenStates(values: states, sequences: sequences)
    }

    /// The head's pooled output of image `index` (transformers' `pooler_output`, Siglip2's
    /// `image_embeds` before normalising). Requires the head (`withHead` at load).
    public func pooled(_ states: PackedHiddenStates, index: Int) -> [Float] {
        guard let head else { preconditionFailure("the vision tower was loaded without its head") }
        let rows = states.sequences[index]
        let h = config.hiddenSize
        return states.values.storage.withUnsafeBufferPointer { buffer in
            head(Array(buffer[rows.lowerBound * h ..< rows.upperBound * h]), tokens: rows.count)
        }
    }

    /// Width of the pooled output.
    public var pooledDimension: Int { config.hiddenSize }

    /// The position grid resized to `rows x cols`, `[rows * cols, hidden]` row-major, as
    /// `Siglip2VisionEmbeddings.resize_positional_embeddings` does: bilinear with antialiasing
    /// (`align_corners=False`), i.e. each axis a triangle filter widened by the downscale factor.
    func resizedPositionEmbeddings(rows: Int, cols: Int) -> [Float] {
        let side = config.positionGridSide
        let h = config.hiddenSize
        let rowWeights = Self.resizeWeights(from: side, to: rows)
        let colWeights = Self.resizeWeights(from: side, to: cols)
        // Columns first: partial[i][c] = sum_j colWeights[c][j] * grid[i][j].
        var partial = [Float](repeating: 0, count: side * cols * h)
        positionEmbedding.storage.withUnsafeBufferPointer { grid in
            for i in 0..<side {
                for c in 0..<cols {
                    let out = (i * cols + c) * h
                    for (j, weight) in colWeights[c] where weight != 0 {
                        let source = (i * side + j) * h
                        for k in 0..<h { partial[out + k] += weight * grid[source + k] }
                    }
                }
            }
        }
        var result = [Float](repeating: 0, count: rows * cols * h)
        for r in 0..<rows {
            for (i, weight) in rowWeights[r] where weight != 0 {
                for c in 0..<cols {
                    let out = (r * cols + c) * h
                    let source = (i * cols + c) * h
                    for k in 0..<h { result[out + k] += weight * partial[source + k] }
                }
            }
        }
        return result
    }

    /// For each of `outputSize` positions, the (source index, weight) pairs of an antialiased
    /// bilinear resize from `sourceSize` samples: a triangle of half-width max(scale, 1) around
    /// the sample's centre, normalised to sum to one (which also clamps at the edges).
    static func resizeWeights(from sourceSize: Int, to outputSize: Int) -> [[(Int, Float)]] {
        let scale = Float(sourceSize) / Float(outputSize)
        let support = max(scale, 1)
        return (0..<outputSize).map { output in
            let center = (Float(output) + 0.5) * scale - 0.5
            let raw = (0..<sourceSize).map { max(0, 1 - abs(Float($0) - center) / support) }
            let total = raw.reduce(0, +)
            return raw.enumerated().map { ($0.offset, $0.element / total) }
        }
    }
}
