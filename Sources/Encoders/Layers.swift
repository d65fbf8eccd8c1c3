import EmbeddingKernels

/// A PyTorch `Linear` (`weight [out, in]`, optional `bias [out]`), with its weight kept
/// transposed as `[in, out]`: OpenBLAS repacks the weight on every product, and packs that layout
/// markedly faster (see ``MatrixMultiply/WeightLayout/inputsByOutputs``).
public struct Linear: Sendable {
    /// The weight as `[in, out]`: `weight.T` of the PyTorch module.
    public let inputMajorWeight: Tensor
    public let bias: Tensor?

    public var inFeatures: Int { inputMajorWeight.rows }
    public var outFeatures: Int { inputMajorWeight.columns }

    /// Takes the weight in PyTorch's `[out, in]` layout and transposes it once, here.
    public init(weight: Tensor, bias: Tensor?) {
        self.init(
            inputMajorWeight: Tensor(
                shape: [weight.columns, weight.rows],
                storage: MatrixMultiply.transposed(weight.storage, rows: weight.rows, columns: weight.columns)),
            bias: bias)
    }

    init(inputMajorWeight: Tensor, bias: Tensor?) {
        self.inputMajorWeight = inputMajorWeight
        self.bias = bias
    }

    /// `output[rows x out] = input[rows x in] Wᵀ + b`.
    public func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        inputMajorWeight.storage.withUnsafeBufferPointer { w in
            if let bias {
                bias.storage.withUnsafeBufferPointer { b in
                    MatrixMultiply.linear(
                        input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!,
                        bias: b.baseAddress!, outFeatures: outFeatures, output: output, weightLayout: .inputsByOutputs)
                }
            } else {
                MatrixMultiply.linear(
                    input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!, bias: nil,
                    outFeatures: outFeatures, output: output, weightLayout: .inputsByOutputs)
            }
        }
    }

    /// Stacks linears that read the same input (query, key, value) into one, so one GEMM
    /// computes all three: each input row of the fused `[in, out]` weight is the parts' rows
    /// side by side.
    public static func fused(_ parts: [Linear]) -> Linear {
        let inFeatures = parts[0].inFeatures
        precondition(parts.allSatisfy { $0.inFeatures == inFeatures }, "fused linears must read the same input")
        var storage: [Float] = []
        storage.reserveCapacity(parts.reduce(0) { $0 + $1.inputMajorWeight.count })
        for row in 0..<inFeatures {
            for part in parts {
                storage += part.inputMajorWeight.storage[row * part.outFeatures ..< (row + 1) * part.outFeatures]
            }
        }
        let outFeatures = parts.reduce(0) { $0 + $1.outFeatures }
        let bias = parts.allSatisfy { $0.bias != nil }
            ? Tensor(shape: [outFeatures], storage: parts.flatMap { $0.bias!.storage }) : nil
        return Linear(inputMajorWeight: Tensor(shape: [inFeatures, outFeatures], storage: storage), bias: bias)
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
