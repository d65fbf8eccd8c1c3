/// The arithmetic of a model's `Linear` layers, chosen per model at load (`--compute` on the
/// command line, `"compute"` in a model folder's `multiembed.json`; float32 by default).
///
/// Only the Linear layers change: attention, layer norm, softmax and pooling stay float32 at
/// every precision. Each precision's products are the same bits whatever a row's batch.
public enum ComputePrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// ``PackedWeight``: float32 weights and activations, one fused multiply-add chain each.
    case float32
    /// ``BF16PackedWeight``: weights and activations rounded to bf16, float32 sums (VDPBF16PS
    /// on CPUs with AVX512_BF16). Cosine to float32 >= 0.999 on every fixture.
    case bf16
    /// ``Int8PackedWeight``: weights quantised to int8 per output channel at load, activations
    /// to uint8 per row (asymmetric) per product, exact int32 sums (VPDPBUSD on CPUs with
    /// AVX512_VNNI). Cosine to float32 >= 0.99 on every fixture (min 0.998 on texts-1024).
    case int8

    /// The spelling `--compute` and `multiembed.json` take.
    public var description: String { rawValue }

    /// The tile this precision's Linear products run on, as `bench` and `info` print it:
    /// ``LinearBackend/kernelName`` for float32, ``BF16PackedWeight/kernelName`` for bf16,
    /// ``Int8PackedWeight/kernelName`` for int8.
    public var kernelName: String {
        switch self {
        case .float32: LinearBackend.selected.kernelName
        case .bf16: BF16PackedWeight.kernelName
        case .int8: Int8PackedWeight.kernelName
        }
    }

    /// A line for standard error when this precision runs, but not at the speed it exists for:
    /// bf16 without AVX512_BF16 (or with `MULTIEMBED_ISA` below avx512) runs the portable bf16
    /// tile, the same bits several times slower than float32. Nil otherwise.
    public var speedWarning: String? {
        switch self {
        case .float32:
            return nil
        case .bf16:
            guard !BF16PackedWeight.hasFastKernel else { return nil }
            return "warning: --compute bf16 runs the portable bf16 kernel here (no AVX512_BF16, or \(InstructionSet.environmentVariable) "
                + "below avx512): the same results, slower than float32"
        case .int8:
            switch Int8PackedWeight.kernel {
            case .avx512VNNI: return nil
            case .avx2:
                return "warning: --compute int8 runs the AVX2 int8 kernel here (no AVX512_VNNI, or \(InstructionSet.environmentVariable) "
                    + "below avx512): the same results, about 1.4x the float32 tile instead of 4x"
            case .portable:
                return "warning: --compute int8 runs the portable int8 kernel here (no AVX2): the same results, slower than float32"
            }
        }
    }
}
