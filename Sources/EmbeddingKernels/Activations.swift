/// Element-wise activations of the encoders, applied in place.
public enum Activation: String, Sendable, Codable {
    /// BERT's `gelu`: `x * Φ(x)` with the exact (erf) normal CDF.
    case gelu
    /// `gelu_new` / `gelu_pytorch_tanh`: the tanh approximation of GELU.
    case geluTanh = "gelu_new"
    /// CLIP's `quick_gelu`: `x * sigmoid(1.702 x)`.
    case quickGelu = "quick_gelu"
    /// `relu`.
    case relu

    /// Reads the Hugging Face `hidden_act` spelling; `nil` for an activation we do not implement.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu", "gelu_python": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "quick_gelu": self = .quickGelu
        case "relu": self = .relu
        default: return nil
        }
    }

    /// Applies the activation to `count` values in place, on all cores for large buffers.
    public func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let shared = SendablePointer(values)
        let kind = self
        parallelChunks(count, minimumPerChunk: 65_536) { range in
            let base = shared.base + range.lowerBound
            switch kind {
            case .gelu: Activation.geluErf(base, count: range.count)
            case .geluTanh: Activation.geluTanh(base, count: range.count)
            case .quickGelu: Activation.quickGelu(base, count: range.count)
            case .relu: for i in 0..<range.count { base[i] = max(base[i], 0) }
            }
        }
    }

    /// A gated linear unit (ModernBERT's GeGLU): each of `rows` input rows holds `2 * width`
    /// values, an input half then a gate half (transformers' `Wi(x).chunk(2, dim=-1)`), and
    /// `output[r][k] = act(input[r][k]) * input[r][width + k]`, `rows x width` values written
    /// densely. `output` must not overlap `input`.
    public func applyGated(_ input: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        let source = SendableConstPointer(input)
        let target = SendablePointer(output)
        let kind = self
        parallelChunks(rows, minimumPerChunk: max(1, 65_536 / max(width, 1))) { range in
            for row in range {
                let values = source.base + row * 2 * width
                let gate = values + width
                let out = target.base + row * width
                out.update(from: values, count: width)
                switch kind {
                case .gelu: Activation.geluErf(out, count: width)
                case .geluTanh: Activation.geluTanh(out, count: width)
                case .quickGelu: Activation.quickGelu(out, count: width)
                case .relu: for i in 0..<width { out[i] = max(out[i], 0) }
                }
                for i in 0..<width { out[i] *= gate[i] }
            }
        }
    }

    /// `x * 0.5 * (1 + erf(x / sqrt 2))`, with erf from ``Activation/erf(_:)``.
    ///
    /// Written as a plain loop over independent elements with branch-free clamps, which LLVM
    /// vectorises to full-width AVX2; Swift's generic SIMD helpers (`clamped`) do not lower to
    /// vector instructions and cost four times as much.
    @inlinable
    static func geluErf(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = values[i]
            values[i] = x * 0.5 * (1 + erf(x * 0.70710678118654752))
        }
    }

    /// The error function to within 4.1e-7 absolute (float32 evaluation) for every input.
    ///
    /// `erf(x) ≈ x·P(x²)/Q(x²)` on |x| ≤ 4 and ±1 beyond (erf(4) = 1 − 1.5e-8). The degree-5
    /// coefficients are a weighted least-squares (Loeb iteration) fit made for this project
    /// against scipy's erf; Q has only positive coefficients, so it never vanishes. Calling libm's
    /// `erff` per element costs several times the whole GEMM time of BERT's intermediate layer.
    @inlinable @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let clamped = x > 4 ? 4 : (x < -4 ? -4 : x)
        let t = clamped * clamped
        var p: Float = 2.027286654993077e-06
        p = p * t + 0.0002861880057025701
        p = p * t + 0.00384470634162426
        p = p * t + 0.05298176407814026
        p = p * t + 0.1923081874847412
        p = p * t + 1.128378987312317
        var q: Float = 3.792855568462983e-05
        q = q * t + 0.00118105742149055
        q = q * t + 0.015124429017305374
        q = q * t + 0.1148795336484909
        q = q * t + 0.503760576248169
        q = q * t + 1
        let result = clamped * p / q
        return result > 1 ? 1 : (result < -1 ? -1 : result)
    }

    /// `0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³)))`, with tanh written through exp.
    @inlinable
    static func geluTanh(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = values[i]
            let inner = 0.7978845608028654 * (x + 0.044715 * x * x * x)
            // tanh(u) = 1 - 2 / (exp(2u) + 1), stable for large |u|.
            let tanh = 1 - 2 / (FastMath.exp(2 * inner) + 1)
            values[i] = 0.5 * x * (1 + tanh)
        }
    }

    /// `x * sigmoid(1.702 x)`.
    @inlinable
    static func quickGelu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = values[i]
            values[i] = x / (1 + FastMath.exp(-1.702 * x))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
