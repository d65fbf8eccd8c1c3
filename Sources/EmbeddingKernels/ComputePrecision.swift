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
    /// Weights quantised to int8 per output channel, activations per row, int32 sums. Not in
    /// this build yet: loading a model at int8 is refused (``unavailableReason``).
    case int8

    /// The spelling `--compute` and `multiembed.json` take.
    public var description: String { rawValue }

    /// Why this build cannot load a model at this precision; nil when it can.
    public var unavailableReason: String? {
        switch self {
        case .float32, .bf16: nil
        case .int8: "int8 compute is not available in this build yet (its kernel is still to come); use float32 or bf16"
        }
    }

    /// The tile this precision's Linear products run on, as `bench` and `info` print it:
    /// ``LinearBackend/kernelName`` for float32, ``BF16PackedWeight/kernelName`` for bf16.
    public var kernelName: String {
        switch self {
        case .float32: LinearBackend.selected.kernelName
        case .bf16: BF16PackedWeight.kernelName
        case .int8: "unavailable"
        }
    }

    /// A line for standard error when this precision runs, but not at the speed it exists for:
    /// bf16 without AVX512_BF16 (or with `MULTIEMBED_ISA` below avx512) runs the portable bf16
    /// tile, the same bits several times slower than float32. Nil otherwise.
    public var speedWarning: String? {
        guard self == .bf16, !BF16PackedWeight.hasFastKernel else { return nil }
        return "warning: --compute bf16 runs the portable bf16 kernel here (no AVX512_BF16, or \(InstructionSet.environmentVariable) "
            + "below avx512): the same results, slower than float32"
    }
}
