import EmbeddingKernels

/// A PyTorch `Linear`: `weight [out, in]`, optional `bias [out]`.
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?

    public var inFeatures: Int { weight.columns }
    public var outFeatures: Int { weight.rows }

    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    /// `output[rows x out] = input[rows x in] Wᵀ + b`.
    public func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        weight.storage.withUnsafeBufferPointer { w in
            if let bias {
                bias.storage.withUnsafeBufferPointer { b in
                    MatrixMultiply.linear(
                        input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!,
                        bias: b.baseAddress!, outFeatures: outFeatures, output: output)
                }
            } else {
                MatrixMultiply.linear(
                    input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!, bias: nil,
                    outFeatures: outFeatures, output: output)
            }
        }
    }

    /// Stacks linears that read the same input (query, key, value) into one, so one GEMM
    /// computes all three.
    public static func fused(_ parts: [Linear]) -> Linear {
        let weight = Tensor(
            shape: [parts.reduce(0) { $0 + $1.outFeatures }, parts[0].inFeatures],
            storage: parts.flatMap(\.weight.storage))
        let bias = parts.allSatisfy { $0.bias != nil }
            ? Tensor(shape: [weight.rows], storage: parts.flatMap { $0.bias!.storage }) : nil
        return Linear(weight: weight, bias: bias)
    }
}

/// A PyTorch `LayerNorm`'s parameters.
public struct LayerNormWeights: Sendable {
    public let gamma: Tensor
    public let beta: Tensor
    public let epsilon: Float

    /// Normalises `rows` rows of `data` in place, adding `residual` first when given.
    public func callAsFunction(_ data: UnsafeMutablePointer<Float>, rows: Int, residual: UnsafePointer<Float>? = nil) {
        gamma.storage.withUnsafeBufferPointer { g in
            beta.storage.withUnsafeBufferPointer { b in
                LayerNorm.apply(
                    data, rows: rows, width: gamma.count, gamma: g.baseAddress!, beta: b.baseAddress!,
                    epsilon: epsilon, residual: residual)
            }
        }
    }
}
