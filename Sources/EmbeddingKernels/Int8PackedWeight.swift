import CGemm

/// A `Linear` weight quantised to int8 once, at load, for the int8 tiles of `CGemm` (`CGemmInt8.h`).
///
/// The weight is quantised per output column (symmetric: scale = max|w| / 127); each call
/// quantises its input per row (asymmetric, 0...255 with a zero point), sums code products
/// exactly in int32 (`vpdpbusd` on AVX-512 VNNI) and scales the sum back to float32. Integer sums
/// are exact in any order, so the VNNI, AVX2 and portable kernels give the same bits, and a row's
/// result is the same whatever rows share its call or however the call is split across cores, as
/// with ``PackedWeight``. What it is not is the float32 product: each element is off by up to
/// half a quantisation step of the row and of the column times the other operand (see
/// `Int8PackedWeightTests` for the bound), about 1% relative on a transformer's layers.
public final class Int8PackedWeight: @unchecked Sendable {
    // @unchecked: the packed weight is written once in init and only read after.

    /// Rows of the `[in, out]` weight.
    public let inFeatures: Int
    /// Columns of the `[in, out]` weight.
    public let outFeatures: Int
    private let packed: OpaquePointer

    /// The kernel products run on: `avx512-vnni-int8`, `avx2-int8` or `portable-int8` (an
    /// AVX-512 CPU without AVX512_VNNI runs `avx2-int8`).
    public static var kernelName: String { String(cString: cgemm_int8_kernel_name()) }

    /// Which of the int8 tiles products run on here (``kernelName`` names it).
    public enum Kernel: Int32, Sendable {
        /// Plain C: no AVX2.
        case portable = 0
        /// VPMADDUBSW/VPMADDWD on AVX2 (an AVX-512 CPU without AVX512_VNNI runs it too).
        case avx2 = 1
        /// VPDPBUSD, the tile int8 exists for.
        case avx512VNNI = 2
    }

    /// The tile products run on, as the CPU and `MULTIEMBED_ISA` decide.
    public static var kernel: Kernel { Kernel(rawValue: cgemm_int8_kernel()) ?? .portable }

    /// The kernel `instructionSet` runs on this CPU.
    public static func kernelName(at instructionSet: InstructionSet) -> String {
        String(cString: cgemm_int8_kernel_name_at_level(Int32(instructionSet.rawValue)))
    }

    /// The largest `inFeatures` a weight may have (int32 sums of 255 x 127 products).
    public static let maximumInFeatures = Int(CGEMM_INT8_MAX_K)

    /// Quantises and packs `weight`, an `inFeatures x outFeatures` row-major matrix (PyTorch's
    /// `weight.T`).
    public init(inputMajor weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && outFeatures > 0, "empty weight \(inFeatures) x \(outFeatures)")
        precondition(
            inFeatures <= Self.maximumInFeatures && outFeatures <= Int(Int32.max),
            "int8 weight \(inFeatures) x \(outFeatures) has more than \(Self.maximumInFeatures) input features")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        guard let packed = cgemm_int8_pack(Int32(inFeatures), Int32(outFeatures), weight, outFeatures) else {
            fatalError("out of memory quantising a \(inFeatures) x \(outFeatures) weight")
        }
        self.packed = packed
    }

    deinit { cgemm_int8_free(packed) }

    /// Column `column`'s scale: element `(row, column)` of the weight stands for
    /// `code(row, column) * scale(column)`.
    public func scale(column: Int) -> Float { cgemm_int8_weight_scale(packed, Int32(column)) }

    /// The int8 code of element `(row, column)`, in -127...127.
    public func code(row: Int, column: Int) -> Int { Int(cgemm_int8_weight_code(packed, Int32(row), Int32(column))) }

    /// `output[rows x out] = input[rows x in] * W`, both quantised, plus `bias` (`out` values) and,
    /// when `accumulate`, the old `output`: each element is `sum + bias`, `sum + (old + bias)`,
    /// `sum + old` or `sum`, as ``PackedWeight/multiply(_:rows:into:accumulate:bias:instructionSet:)``.
    /// Splits the rows, or the columns when the output is short and wide, across cores, as
    /// ``PackedWeight`` does.
    ///
    /// `instructionSet` picks a kernel other than the active one (capped at what the CPU runs), for
    /// tests that hold every kernel to the same bits.
    public func multiply(
        _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
        bias: UnsafePointer<Float>? = nil, instructionSet: InstructionSet = .active
    ) {
        let k = inFeatures, n = outFeatures
        let input = SendableConstPointer(input), output = SendablePointer(output)
        let bias = bias.map(SendableConstPointer.init)
        let level = Int32(instructionSet.rawValue)
        splitPackedProduct(rows: rows, inFeatures: k, outFeatures: n, panelWidth: Int(CGEMM_INT8_PANEL)) { rows, columns in
            cgemm_int8_multiply_at_level(
                level, self.packed, Int32(rows.count), input.base + rows.lowerBound * k, k, Int32(columns.lowerBound),
                Int32(columns.count), output.base + rows.lowerBound * n + columns.lowerBound, n, accumulate ? 1 : 0, bias?.base)
        }
    }
}
