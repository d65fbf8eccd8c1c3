import EmbeddingKernels
import Foundation

/// `Siglip2MultiheadAttentionPoolingHead` (`head.*`): a learned `probe` query attends over an
/// image's tokens (`torch.nn.MultiheadAttention`: `attention.in_proj_weight` stacking the
/// query, key and value projections, `attention.out_proj`), then a pre-LN MLP is added
/// (`layernorm`, `mlp.fc1`, `mlp.fc2`). The result is the image's pooled output.
///
/// Tokens are packed without padding, so the reference's `key_padding_mask` (padded patches
/// ignored) holds by construction: only an image's own patches are keys.
struct SiglipAttentionPoolingHead: Sendable {
    /// `probe`, `[hidden]`: the single query.
    let probe: [Float]
    /// The query projection of the probe, computed once at load (`W_q probe + b_q`).
    let projectedProbe: [Float]
    /// Key and value projections stacked: `[hidden] -> [2 * hidden]`.
    let keyValue: Linear
    let outProjection: Linear
    let layerNorm: LayerNormWeights
    let fc1: Linear
    let fc2: Linear
    let heads: Int
    let activation: Activation

    init(_ loader: WeightLoader, hidden: Int, intermediate: Int, heads: Int, epsilon: Float, activation: Activation) throws(ModelLoadError) {
        probe = try loader.tensor("probe", shape: [1, 1, hidden]).storage
        let attention = loader.scoped("attention")
        let inWeight = try attention.tensor("in_proj_weight", shape: [3 * hidden, hidden]).storage
        let inBias = try attention.tensor("in_proj_bias", shape: [3 * hidden]).storage
        func part(_ index: Int) -> Linear {
            Linear(
                weight: Tensor(shape: [hidden, hidden], storage: Array(inWeight[index * hidden * hidden ..< (index + 1) * hidden * hidden])),
                bias: Tensor(shape: [hidden], storage: Array(inBias[index * hidden ..< (index + 1) * hidden])),
                precision: loader.computePrecision)
        }
        var query = [Float](repeating: 0, count: hidden)
        part(0)(probe, rows: 1, into: &query)
        projectedProbe = query
        keyValue = Linear.fused([part(1), part(2)])
        outProjection = try attention.linear("out_proj", inFeatures: hidden, outFeatures: hidden)
        layerNorm = try loader.layerNorm("layernorm", width: hidden, epsilon: epsilon)
        fc1 = try loader.linear("mlp.fc1", inFeatures: hidden, outFeatures: intermediate)
        fc2 = try loader.linear("mlp.fc2", inFeatures: intermediate, outFeatures: hidden)
        self.heads = heads
        self.activation = activation
    }

    /// The pooled output of one image whose `tokens` rows (`[tokens, hidden]`, after
    /// `post_layernorm`) are given.
    func callAsFunction(_ states: [Float], tokens: Int) -> [Float] {
        let hidden = probe.count
        guard tokens > 0 else { return [Float](repeating: 0, count: hidden) }
        var keysValues = [Float](repeating: 0, count: tokens * 2 * hidden)
        keyValue(states, rows: tokens, into: &keysValues)
        let headDimension = hidden / heads
        let scale = 1 / Float(headDimension).squareRoot()
        var context = [Float](repeating: 0, count: hidden)
        var scores = [Float](repeating: 0, count: tokens)
        for head in 0..<heads {
            let offset = head * headDimension
            var largest = -Float.infinity
            for token in 0..<tokens {
                var dot: Float = 0
                for i in 0..<headDimension { dot += projectedProbe[offset + i] * keysValues[token * 2 * hidden + offset + i] }
                scores[token] = dot * scale
                largest = max(largest, scores[token])
            }
            var total: Float = 0
            for token in 0..<tokens {
                scores[token] = Foundation.exp(scores[token] - largest)
                total += scores[token]
            }
            for token in 0..<tokens {
                let weight = scores[token] / total
                for i in 0..<headDimension { context[offset + i] += weight * keysValues[token * 2 * hidden + hidden + offset + i] }
            }
        }
        var attended = [Float](repeating: 0, count: hidden)
        outProjection(context, rows: 1, into: &attended)
        // attended + mlp(layernorm(attended))
        var normed = attended
        normed.withUnsafeMutableBufferPointer { layerNorm($0.baseAddress!, rows: 1) }
        var inner = [Float](repeating: 0, count: fc1.outFeatures)
        fc1(normed, rows: 1, into: &inner)
        inner.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
        inner.withUnsafeBufferPointer { source in
            attended.withUnsafeMutableBufferPointer { fc2.add(source.baseAddress!, rows: 1, to: $0.baseAddress!) }
        }
        return attended
    }
}
