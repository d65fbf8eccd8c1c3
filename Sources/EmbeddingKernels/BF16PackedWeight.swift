import CGemm

#if canImport(Glibc)
import Glibc
#endif

/// A `Linear` weight rounded to bf16 and packed once, at load, for `CGemm`'s bf16 tiles: half
/// the bytes of ``PackedWeight``, and on a CPU with AVX512_BF16 twice the multiply-adds per
/// instruction (VDPBF16PS).
///
/// Each product rounds its input rows to bf16 (round to nearest even) and sums in float32, two
/// input features per step, in a fixed order (see `CGemmBF16.h`): a row's result is the same
/// bits whatever rows share its call, however the call is split across cores, and on the
/// VDPBF16PS tile or the portable one alike. It is not the bits of ``PackedWeight``: cosine to
/// float32 is the measure (issue 18 bounds it at 0.999 and tests it on every fixture).
public final class BF16PackedWeight: @unchecked Sendable {
    // @unchecked: `panels` is written once in init and only read after.

    /// Rows of the `[in, out]` weight.
    public let inFeatures: Int
    /// Columns of the `[in, out]` weight.
    public let outFeatures: Int
    private let panels: UnsafeMutablePointer<UInt32>

    /// The tile products run on: `avx512bf16-packed` (AVX-512 with AVX512_BF16, and
    /// `MULTIEMBED_ISA` not below avx512) or `portable-bf16` (the same bits, slower than float32).
    public static var kernelName: String { String(cString: cgemm_bf16_kernel_name()) }

    /// Whether products run on VDPBF16PS; when false, bf16 is slower than float32 here.
    public static var hasFastKernel: Bool { cgemm_bf16_has_fast_kernel() != 0 }

    /// `value` rounded to bf16 as the products round weights and activations (to nearest even,
    /// NaN quieted, a denormal to a zero of its sign), widened back to float32.
    public static func rounded(_ value: Float) -> Float {
        Float(bitPattern: UInt32(cgemm_bf16_from_float(value)) << 16)
    }

    /// Rounds and packs `weight`, an `inFeatures x outFeatures` row-major matrix (PyTorch's `weight.T`).
    public init(inputMajor weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && outFeatures > 0, "empty weight \(inFeatures) x \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let count = cgemm_bf16_packed_count(Int32(inFeatures), Int32(outFeatures))
        let bytes = (count * MemoryLayout<UInt32>.stride + 63) / 64 * 64
        guard let raw = aligned_alloc(64, bytes) else { fatalError("out of memory packing a \(inFeatures) x \(outFeatures) weight") }
        panels = raw.bindMemory(to: UInt32.self, capacity: count)
        cgemm_bf16_pack(Int32(inFeatures), Int32(outFeatures), weight, outFeatures, panels)
    }

    deinit { free(panels) }

    /// The rounded weight back as `[in, out]` row-major float32 (for fusing weights at load:
    /// rounding a bf16 value again leaves it unchanged, so fused layers keep the same bits).
    public func inputMajor() -> [Float] {
        let panelWidth = Int(CGEMM_PANEL), pairs = (inFeatures + 1) / 2
        var result = [Float](repeating: 0, count: inFeatures * outFeatures)
        for column in 0..<outFeatures {
            let panel = panels + (column - column % panelWidth) * pairs + column % panelWidth
            for row in 0..<inFeatures {
                let word = panel[row / 2 * panelWidth]
                let half = row % 2 == 0 ? word & 0xFFFF : word >> 16
                result[row * outFeatures + column] = Float(bitPattern: half << 16)
            }
        }
        return result
    }

    /// `output[rows x out] = bf16(input[rows x in]) * W` summed in float32, plus `bias` (`out`
    /// values) and, when `accumulate`, the old `output`, exactly as ``PackedWeight/multiply(_:rows:into:accumulate:bias:instructionSet:)``
    /// adds them. Splits the rows, or the columns when the output is short and wide, across cores.
    ///
    /// `instructionSet` below `avx512` picks the portable tile, for tests that hold both tiles to
    /// the same bits.
    public func multiply(
        _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
        bias: UnsafePointer<Float>? = nil, instructionSet: InstructionSet = .active
    ) {
        let k = inFeatures, n = outFeatures
        let input = SendableConstPointer(input), output = SendablePointer(output)
        let panels = SendableConstPointer(self.panels), bias = bias.map(SendableConstPointer.init)
        let level = Int32(instructionSet.rawValue)
        splitPackedProduct(rows: rows, inFeatures: k, outFeatures: n, panelWidth: Int(CGEMM_PANEL)) { rows, columns in
            cgemm_bf16_multiply_at_level(
                level, Int32(rows.count), Int32(k), Int32(n), input.base + rows.lowerBound * k, k, panels.base,
                Int32(columns.lowerBound), Int32(columns.count), output.base + rows.lowerBound * n + columns.lowerBound, n,
                accumulate ? 1 : 0, bias?.base)
        }
    }
}
