import EmbeddingKernels

/// A PyTorch `Linear` (`weight [out, in]`, optional `bias [out]`).
///
/// The weight is packed once, here, at the layer's ``ComputePrecision``: float32 for
/// ``PackedWeight``'s tiles (AVX-512, AVX2 or portable: the same bits on each), bf16 for
/// ``BF16PackedWeight``'s (VDPBF16PS or portable: the same bits on each), int8 for
/// ``Int8PackedWeight``'s (VPDPBUSD, AVX2 or portable: the same bits on each). With
/// `MULTIEMBED_LINEAR=openblas` (``LinearBackend``, for benchmarks) a float32 weight is kept
/// transposed as `[in, out]` for OpenBLAS instead, which repacks it on every product and packs
/// that layout fastest (see ``MatrixMultiply/WeightLayout/inputsByOutputs``); bf16 and int8
/// weights are packed for their tiles whatever that variable says.
public struct Linear: Sendable {
    /// Where the weight lives: packed for one of our tiles, or `[in, out]` for OpenBLAS. A
    /// precision is one case here plus one in ``precision`` and in the two products.
    enum Weight: Sendable {
        case packed(PackedWeight)
        case bf16(BF16PackedWeight)
        case int8(Int8PackedWeight)
        case inputMajor(Tensor)
    }

    let weight: Weight
    public let bias: Tensor?
    public let inFeatures: Int
    public let outFeatures: Int

    /// The arithmetic of this layer's products.
    public var precision: ComputePrecision {
        switch weight {
        case .packed, .inputMajor: .float32
        case .bf16: .bf16
        case .int8: .int8
        }
    }

    /// Takes the weight in PyTorch's `[out, in]` layout and transposes (and packs) it once, here,
    /// for products at `precision`.
    public init(weight: Tensor, bias: Tensor?, precision: ComputePrecision = .float32) {
        self.init(
            inputMajor: MatrixMultiply.transposed(weight.storage, rows: weight.rows, columns: weight.columns),
            inFeatures: weight.columns, outFeatures: weight.rows, bias: bias, precision: precision)
    }

    init(inputMajor: [Float], inFeatures: Int, outFeatures: Int, bias: Tensor?, precision: ComputePrecision = .float32) {
        precondition(inputMajor.count == inFeatures * outFeatures, "weight is not \(inFeatures) x \(outFeatures)")
        if precision == .bf16 && inFeatures > 0 && outFeatures > 0 {
            weight = .bf16(inputMajor.withUnsafeBufferPointer {
                BF16PackedWeight(inputMajor: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures)
            })
        } else if precision == .int8 && inFeatures > 0 && outFeatures > 0 {
            weight = .int8(inputMajor.withUnsafeBufferPointer {
                Int8PackedWeight(inputMajor: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures)
            })
        } else if LinearBackend.selected == .packed && inFeatures > 0 && outFeatures > 0 {
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
        case .bf16(let packed): packed.inputMajor()
        case .int8(let packed): Self.dequantized(packed)
        case .inputMajor(let tensor): tensor.storage
        }
    }

    /// `output[rows x out] = input[rows x in] Wᵀ + b`.
    public func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        switch weight {
        case .packed(let packed):
            withBias { packed.multiply(input, rows: rows, into: output, accumulate: false, bias: $0) }
        case .bf16(let packed):
            withBias { packed.multiply(input, rows: rows, into: output, accumulate: false, bias: $0) }
        case .int8(let packed):
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
        case .bf16(let packed):
            withBias { packed.multiply(input, rows: rows, into: residual, accumulate: true, bias: $0) }
        case .int8(let packed):
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

    /// An int8 weight back as `[in, out]` floats, each `code x scale` of its column. Packing these
    /// again gives the same codes (a column's largest magnitude is 127 times its scale, so the
    /// scale comes back, to within its last bit, and every code rounds to itself), which is what
    /// fusing int8 layers needs: the float32 weights are gone after load.
    private static func dequantized(_ packed: Int8PackedWeight) -> [Float] {
        let columns = packed.outFeatures
        var values = [Float](repeating: 0, count: packed.inFeatures * columns)
        for column in 0..<columns {
            let scale = packed.scale(column: column)
            for row in 0..<packed.inFeatures { values[row * columns + column] = Float(packed.code(row: row, column: column)) * scale }
        }
        return values
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
    /// side by side. The parts share one precision, which the fused layer keeps (bf16 values
    /// round to themselves, and int8 weights re-quantise to the same codes, so fusing changes no
    /// product's inputs).
    public static func fused(_ parts: [Linear]) -> Linear {
        let inFeatures = parts[0].inFeatures, precision = parts[0].precision
        precondition(parts.allSatisfy { $0.inFeatures == inFeatures }, "fused linears must read the same input")
        precondition(parts.allSatisfy { $0.precision == precision }, "fused linears must share a precision")
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
        return Linear(inputMajor: storage, inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, precision: precision)
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
