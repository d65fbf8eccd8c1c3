import CGemm

#if canImport(Glibc)
import Glibc
#endif

/// A `Linear` weight packed once, at load, for the register tile of `CGemm`.
///
/// Why not OpenBLAS: sgemm repacks the weight on every call, which for a server's small batches
/// (a few texts, ~100 rows) was 18% of the forward pass; and its tile beats OpenBLAS's own on
/// these shapes by 7-24% (Zen 4, 1 core: ViT-B MLP 111-113 GFLOP/s vs 102-104). Every element of
/// a product is one in-order chain of fused multiply-adds over the input features, so a row's
/// result is the same whatever rows share its call and however the call is split across cores.
public final class PackedWeight: @unchecked Sendable {
    // @unchecked: `panels` is written once in init and only read after.

    /// Rows of the `[in, out]` weight.
    public let inFeatures: Int
    /// Columns of the `[in, out]` weight.
    public let outFeatures: Int
    private let panels: UnsafeMutablePointer<Float>

    /// Whether this CPU runs the packed tile (AVX-512). Elsewhere ``Linear`` keeps its weight for
    /// OpenBLAS, whose AVX2 kernels are the better choice there.
    public static let isSupported: Bool = cgemm_available() != 0

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
    public func multiply(
        _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
        bias: UnsafePointer<Float>? = nil
    ) {
        guard rows > 0 else { return }
        let k = inFeatures, n = outFeatures, panelWidth = Int(CGEMM_PANEL)
        let input = SendableConstPointer(input), output = SendablePointer(output)
        let panels = SendableConstPointer(self.panels), bias = bias.map(SendableConstPointer.init)
        let large = rows * n * k >= 1 << 20
        if rows >= n / 2 {
            parallelChunks(rows, minimumPerChunk: large ? 16 : rows) { part in
                cgemm_multiply(
                    Int32(part.count), Int32(k), Int32(n), input.base + part.lowerBound * k, k, panels.base, 0,
                    Int32(n), output.base + part.lowerBound * n, n, accumulate ? 1 : 0, bias?.base)
            }
        } else {
            let panelCount = (n + panelWidth - 1) / panelWidth
            parallelChunks(panelCount, minimumPerChunk: large ? 2 : panelCount) { part in
                let first = part.lowerBound * panelWidth
                let columns = min(part.upperBound * panelWidth, n) - first
                cgemm_multiply(
                    Int32(rows), Int32(k), Int32(n), input.base, k, panels.base, Int32(first), Int32(columns),
                    output.base + first, n, accumulate ? 1 : 0, bias?.base)
            }
        }
    }
}
