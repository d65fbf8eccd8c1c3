import EmbeddingKernels

/// One `CLIPEncoderLayer`, shared by the text and vision towers: pre-LN self-attention
/// (`layer_norm1`, `self_attn.{q,k,v,out}_proj`) and MLP (`layer_norm2`, `mlp.fc1`, `mlp.fc2`).
struct ClipEncoderLayer: Sendable {
    let layerNorm1: LayerNormWeights
    /// q_proj, k_proj and v_proj stacked into one GEMM.
    let queryKeyValue: Linear
    let outProjection: Linear
    let layerNorm2: LayerNormWeights
    let fc1: Linear
    let fc2: Linear
    let heads: Int
    let activation: Activation

    init(_ loader: WeightLoader, hidden: Int, intermediate: Int, heads: Int, epsilon: Float, activation: Activation) throws(ModelLoadError) {
        layerNorm1 = try loader.layerNorm("layer_norm1", width: hidden, epsilon: epsilon)
        let attention = loader.scoped("self_attn")
        queryKeyValue = Linear.fused([
            try attention.linear("q_proj", inFeatures: hidden, outFeatures: hidden),
            try attention.linear("k_proj", inFeatures: hidden, outFeatures: hidden),
            try attention.linear("v_proj", inFeatures: hidden, outFeatures: hidden),
        ])
        outProjection = try attention.linear("out_proj", inFeatures: hidden, outFeatures: hidden)
        layerNorm2 = try loader.layerNorm("layer_norm2", width: hidden, epsilon: epsilon)
        fc1 = try loader.linear("mlp.fc1", inFeatures: hidden, outFeatures: intermediate)
        fc2 = try loader.linear("mlp.fc2", inFeatures: intermediate, outFeatures: hidden)
        self.heads = heads
        self.activation = activation
    }

    /// `x += attn(LN1(x)); x += mlp(LN2(x))`, in place on `hidden`. Keys whose `keyMask` flag
    /// is false are left out of attention (a query with none left gets a zero context).
    func callAsFunction(
        _ hidden: UnsafeMutablePointer<Float>, sequences: [Range<Int>], tokens: Int, causal: Bool, scratch: EncoderScratch,
        keyMask: UnsafePointer<Bool>? = nil
    ) {
        let h = outProjection.outFeatures
        LayerNorm.apply(
            input: hidden, output: scratch.hidden, rows: tokens, width: h,
            gamma: layerNorm1.gamma.storage, beta: layerNorm1.beta.storage, epsilon: layerNorm1.epsilon)
        queryKeyValue(scratch.hidden, rows: tokens, into: scratch.qkv)
        Attention.multiHead(
            .init(query: scratch.qkv, key: scratch.qkv + h, value: scratch.qkv + 2 * h, stride: 3 * h),
            sequences: sequences, heads: heads, headDimension: h / heads, output: scratch.context, causal: causal,
            keyMask: keyMask)
        // The residual is accumulated by the GEMM itself (beta = 1 onto a copy of x plus bias).
        outProjection.add(scratch.context, rows: tokens, to: hidden)
        LayerNorm.apply(
            input: hidden, output: scratch.hidden, rows: tokens, width: h,
            gamma: layerNorm2.gamma.storage, beta: layerNorm2.beta.storage, epsilon: layerNorm2.epsilon)
        fc1(scratch.hidden, rows: tokens, into: scratch.intermediate)
        activation.apply(scratch.intermediate, count: tokens * fc1.outFeatures)
        fc2.add(scratch.intermediate, rows: tokens, to: hidden)
    }
}

/// A stack of ``ClipEncoderLayer``s (`encoder.layers.N`).
struct ClipEncoder: Sendable {
    let layers: [ClipEncoderLayer]
    let hidden: Int
    let intermediate: Int

    init(_ loader: WeightLoader, count: Int, hidden: Int, intermediate: Int, heads: Int, epsilon: Float, activation: Activation) throws(ModelLoadError) {
        var layers: [ClipEncoderLayer] = []
        for index in 0..<count {
            layers.append(try ClipEncoderLayer(
                loader.scoped("layers.\(index)"), hidden: hidden, intermediate: intermediate, heads: heads,
                epsilon: epsilon, activation: activation))
        }
        self.layers = layers
        self.hidden = hidden
        self.intermediate = intermediate
    }

    /// Runs every layer over `states`; `keyMask` (one flag per row, optional) leaves the rows
    /// whose flag is false out of attention as keys (SigLIP2's all-padding text).
    func callAsFunction(_ states: inout Tensor, sequences: [Range<Int>], causal: Bool, keyMask: [Bool]? = nil) {
        let tokens = states.rows
        guard tokens > 0 else { return }
        precondition(keyMask.map { $0.count == tokens } ?? true, "one key flag per row")
        let (hidden, intermediate, layers) = (hidden, intermediate, layers)
        let flags = keyMask ?? []
        flags.withUnsafeBufferPointer { maskBuffer in
            let mask = keyMask == nil ? nil : SendableFlags(maskBuffer.baseAddress!)
            states.storage.withUnsafeMutableBufferPointer { buffer in
                let base = SendablePointer(buffer.baseAddress!)
                SequenceGroups.forEach(sequences) { firstRow, group, rows in
                    EncoderScratch.withScratch(tokens: rows, hidden: hidden, intermediateSize: intermediate) { scratch in
                        for layer in layers {
                            layer(
                                base.base + firstRow * hidden, sequences: group, tokens: rows, causal: causal, scratch: scratch,
                                keyMask: mask.map { UnsafePointer($0.base + firstRow) })
                        }
                    }
                }
            }
        }
    }
}

/// Key flags shared read-only with the encoder's worker threads.
struct SendableFlags: @unchecked Sendable {
    let base: UnsafePointer<Bool>
    init(_ base: UnsafePointer<Bool>) { self.base = base }
}
