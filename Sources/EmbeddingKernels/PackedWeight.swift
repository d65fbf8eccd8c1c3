import CGemm

#if canImport(Glibc)
import Glibc
#endif

/// A `Linear` weight packed once, at load, for the register tiles of `CGemm`.
///
/// Why not OpenBLAS: sgemm repacks the weight on every call, which for a server's small batches
/// (a few texts, ~100 rows) was 18% of the forward pass; and the AVX-512 tile beats OpenBLAS's
/// own on these shapes by 7-24% (Zen 4, 1 core: ViT-B MLP 111-113 GFLOP/s vs 102-104). Every
/// element of a product is one in-order chain of fused multiply-adds over the input features, on
/// the AVX-512, AVX2 and portable tiles alike, so a row's result is the same bits whatever rows
/// share its call, however the call is split across cores, and whichever tile the CPU runs
/// (``InstructionSet``): by construction, not by luck of a library's kernel.
public final class PackedWeight: @unchecked Sendable {
    // @unchecked: `panels` is written once in init and only read after.

    /// Rows of the `[in, out]` weight.
    public let inFeatures: Int
    /// Columns of the `[in, out]` weight.
    public let outFeatures: Int
    private let panels: UnsafeMutablePointer<Float>

    /// The tile products run on: `avx512-packed`, `avx2-packed` or `portable-packed`.
    public static var kernelName: String { String(cString: cgemm_kernel_name()) }

    /// Packs `weight`, an `inFeatures x outFeatures` row-major matrix (PyTorch's `weight.T`).
    public init(inputMajor weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && outFeatures > 0, "empty weight \(inFeatures) x \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let count = cgemm_packed_count(Int32(inFeatures), Int32(outFeatures))
        let bytes = (count * MemoryLayout<Float>.stride + 63) / 64 * 64
        guard let raw = aligned_alloc(64, bytes) else { fatalError("out of memory packing a \(inFeatures) x \(outFeatures) weight") }
        panels = raw.bindMemory(to: Float.self, capacity: count)
        cgemm_pack(Int32(inFeatures), Int32(outFeatures), weight, outFeatures, panels)
    }

    deinit { free(panels) }

    /// The weight back as `[in, out]` row-major (for fusing weights at load, never per call).
    public func inputMajor() -> [Float] {
        let panelWidth = Int(CGEMM_PANEL)
        var result = [Float](repeating: 0, count: inFeatures * outFeatures)
        for column in 0..<outFeatures {
            let panel = panels + (column - column % panelWidth) * inFeatures + column % panelWidth
            for row in 0..<inFeatures { result[row * outFeatures + column] = panel[row * panelWidth] }
        }
        return result
    }

    /// `output[rows x out] = input[rows x in] * W`, plus `bias` (`out` values) and, when
    /// `accumulate`, the old `output`: each element is `sum + bias`, `sum + (old + bias)`,
    /// `sum + old` or `sum`, as a bias copied into the output first and BLAS's `beta = 1` would
    /// give, without that extra pass. Splits the rows, or the columns when the output is short
    /// and wide, across cores.
    ///
    /// `instructionSet` picks a tile other than the active one (capped at what the CPU runs), for
    /// tests that hold every tile to the same bits.
    public func multiply(
        _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
        bias: UnsafePointer<Float>? = nil, instructionSet: InstructionSet = .active
    ) {
        let k = inFeatures, n = outFeatures
        let input = SendableConstPointer(input), output = SendablePointer(output)
        let panels = SendableConstPointer(self.panels), bias = bias.map(SendableConstPointer.init)
        let level = Int32(instructionSet.rawValue)
        splitPackedProduct(rows: rows, inFeatures: k, outFeatures: n, panelWidth: Int(CGEMM_PANEL)) { rows, columns in
            cgemm_multiply_at_level(
                level, Int32(rows.count), Int32(k), Int32(n), input.base + rows.lowerBound * k, k, panels.base,
                Int32(columns.lowerBound), Int32(columns.count), output.base + rows.lowerBound * n + columns.lowerBound, n,
                accumulate ? 1 : 0, bias?.base)
        }
    }
}
