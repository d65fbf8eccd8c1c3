import EmbeddingKernels

/// A PyTorch `Linear` (`weight [out, in]`, optional `bias [out]`).
///
/// The weight is packed once, here, for ``PackedWeight``'s tiles (AVX-512, AVX2 or portable: the
/// same bits on each). With `MULTIEMBED_LINEAR=openblas` (``LinearBackend``, for benchmarks) it
/// is kept transposed as `[in, out]` for OpenBLAS instead, which repacks it on every product and
/// packs that layout fastest (see ``MatrixMultiply/WeightLayout/inputsByOutputs``).
public struct Linear: Sendable {
    /// Where the weight lives: packed for our tiles, or `[in, out]` for OpenBLAS.
    enum Weight: Sendable {
        case packed(PackedWeight)
        case inputMajor(Tensor)
    }

    let weight: Weight
    public let bias: Tensor?
    public let inFeatures: Int
    public let outFeatures: Int

    /// Takes the weight in PyTorch's `[out, in]` layout and transposes (and packs) it once, here.
    public init(weight: Tensor, bias: Tensor?) {
        self.init(
            inputMajor: MatrixMultiply.transposed(weight.storage, rows: weight.rows, columns: weight.columns),
            inFeatures: weight.columns, outFeatures: weight.rows, bias: bias)
    }

    init(inputMajor: [Float], inFeatures: Int, outFeatures: Int, bias: Tensor?) {
        precondition(inputMajor.count == inFeatures * outFeatures, "weight is not \(inFeatures) x \(outFeatures)")
        if LinearBackend.selected == .packed && inFeatures > 0 && outFeatures > 0 {
            weight = .packed(inputMajor.withUnsafeBufferPointer {
                PackedWeight(inputMajor: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures)
            })
        } else {
            weight = .inputMajor(Tensor(shape: [inFeatures, outFeatures], storage: inputMajor))
        }
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// The weight as `[in, out]` (`weight.T` of the PyTorch module), for fusing at load.
    var inputMajorWeight: [Float] {
        switch weight {
        case .packed(let packed): packed.inputMajor()
        case .inputMajor(let tensor): tensor.storage
        }
    }

    /// `output[rows x out] = input[rows x in] Wᵀ + b`.
    public func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        switch weight {
        case .packed(let packed):
            withBias { packed.multiply(input, rows: rows, into: output, accumulate: false, bias: $0) }
        case .inputMajor(let tensor):
            // OpenBLAS: the bias is broadcast into the output first and the product added onto it.
            if let bias {
                bias.storage.withUnsafeBufferPointer { b in
                    for row in 0..<rows { (output + row * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
                }
            }
            blasMultiply(tensor, input, rows: rows, into: output, accumulate: bias != nil)
        }
    }

    /// `residual[rows x out] += input[rows x in] Wᵀ + b`: a pre-LN block's output added to its
    /// input in the product itself, as `product + (residual + bias)`.
    public func add(_ input: UnsafePointer<Float>, rows: Int, to residual: UnsafeMutablePointer<Float>) {
        switch weight {
        case .packed(let packed):
            withBias { packed.multiply(input, rows: rows, into: residual, accumulate: true, bias: $0) }
        case .inputMajor(let tensor):
            // Through a pointer: an array subscript in this loop is bounds-checked per element and
            // stays scalar, on every token of every layer.
            bias?.storage.withUnsafeBufferPointer { bias in
                for row in 0..<rows {
                    let line = residual + row * outFeatures
                    for i in 0..<outFeatures { line[i] += bias[i] }
                }
            }
            blasMultiply(tensor, input, rows: rows, into: residual, accumulate: true)
        }
    }

    /// Runs `body` with the bias's values, or nil when the layer has none.
    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        guard let bias else { return body(nil) }
        bias.storage.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    private func blasMultiply(
        _ weight: Tensor, _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        weight.storage.withUnsafeBufferPointer { w in
            MatrixMultiply.gemm(
                m: rows, n: outFeatures, k: inFeatures, a: input, b: w.baseAddress!, transposeB: false,
                c: output, beta: accumulate ? 1 : 0)
        }
    }

    /// Stacks linears that read the same input (query, key, value) into one, so one GEMM
    /// computes all three: each input row of the fused `[in, out]` weight is the parts' rows
    /// side by side.
    public static func fused(_ parts: [Linear]) -> Linear {
        let inFeatures = parts[0].inFeatures
        precondition(parts.allSatisfy { $0.inFeatures == inFeatures }, "fused linears must read the same input")
        let weights = parts.map(\.inputMajorWeight)
        var storage: [Float] = []
        storage.reserveCapacity(weights.reduce(0) { $0 + $1.count })
        for row in 0..<inFeatures {
            for (part, weight) in zip(parts, weights) {
                storage += weight[row * part.outFeatures ..< (row + 1) * part.outFeatures]
            }
        }
        let outFeatures = parts.reduce(0) { $0 + $1.outFeatures }
        let bias = parts.allSatisfy { $0.bias != nil }
            ? Tensor(shape: [outFeatures], storage: parts.flatMap { $0.bias!.storage }) : nil
        return Linear(inputMajor: storage, inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
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
