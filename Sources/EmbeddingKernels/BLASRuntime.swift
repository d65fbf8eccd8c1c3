import CBLAS
import COpenBLASCore

#if canImport(Glibc)
import Glibc
#endif

/// What the matrix products run on: the instruction-set level of our own kernels, and what
/// OpenBLAS is running with.
///
/// OpenBLAS picks its kernels from the CPU's model number when it loads. On a CPU newer than the
/// library it falls back to generic SSE3 kernels ("Prescott"); `COpenBLASCore` then makes it
/// choose the kernels the CPU supports before `main` runs, and this type reports both. Some
/// machines set `OPENBLAS_CORETYPE=Haswell`, which pins OpenBLAS to AVX2 kernels even on
/// AVX-512 CPUs: we respect the variable, since it is the user's choice, and say so once when it
/// slows work that runs on OpenBLAS.
public struct BLASRuntime: Sendable, CustomStringConvertible {
    /// The kernel family OpenBLAS runs, e.g. `Haswell`, `Zen`, `SkylakeX`, `Cooperlake`.
    public let coreName: String
    /// The family OpenBLAS chose by itself when it differs from ``coreName`` (we made it choose
    /// again because it was below the CPU), else nil.
    public let replacedCoreName: String?
    /// Threads the kernels use: MultiEmbed splits every large GEMM across them itself and runs
    /// OpenBLAS single-threaded per call.
    public let threads: Int
    /// OpenBLAS's build configuration string.
    public let configuration: String
    /// The value of `OPENBLAS_CORETYPE`, if set.
    public let pinnedCoreType: String?
    /// The widest level this CPU runs, and the one our kernels use (lower with `MULTIEMBED_ISA`).
    public let detectedInstructionSet: InstructionSet
    public let instructionSet: InstructionSet
    /// What multiplies the models' `Linear` layers: `avx512-packed`, `avx2-packed`,
    /// `portable-packed` (``PackedWeight``) or `openblas` (``LinearBackend``).
    public var linearKernel: String { LinearBackend.selected.kernelName }

    /// Reads the running library's state.
    public static func current() -> BLASRuntime {
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let pinned = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let replaced = copenblas_core_was_changed() != 0 ? String(cString: copenblas_original_core()) : nil
        return BLASRuntime(
            coreName: core, replacedCoreName: replaced, threads: ComputeThreads.count, configuration: config,
            pinnedCoreType: pinned, detectedInstructionSet: .detected, instructionSet: .active)
    }

    /// The instruction-set level of an OpenBLAS kernel family, as `COpenBLASCore` judges it when
    /// it corrects OpenBLAS's choice (Prescott, Core2, Nehalem, Sandybridge, ... are below AVX2).
    public static func instructionSet(ofCore name: String) -> InstructionSet {
        InstructionSet(rawValue: Int(copenblas_core_level(name))) ?? .portable
    }

    /// True when `OPENBLAS_CORETYPE` selects kernels narrower than the CPU could run.
    public var isPinnedBelowCPU: Bool {
        pinnedCoreType != nil && Self.instructionSet(ofCore: coreName) < detectedInstructionSet
    }

    /// A warning to print once at start-up, or nil when nothing holds OpenBLAS back where it
    /// matters: only when the `Linear` layers run on OpenBLAS (``LinearBackend/openblas``) can the
    /// variable slow the encoders.
    public var pinningWarning: String? {
        guard isPinnedBelowCPU, LinearBackend.selected == .openblas, let pinnedCoreType else { return nil }
        return "warning: OPENBLAS_CORETYPE=\(pinnedCoreType) pins OpenBLAS to its \(coreName) kernels, "
            + "but this CPU supports \(detectedInstructionSet); matrix products may run at a fraction of their speed. "
            + "Unset OPENBLAS_CORETYPE to let OpenBLAS choose."
    }

    /// `isa=avx512 linear=avx512-packed blas=Cooperlake threads=2`, with what OpenBLAS had chosen
    /// by itself when that was replaced, and the ISA the CPU has when `MULTIEMBED_ISA` lowered it.
    public var description: String { description(linearKernel: linearKernel) }

    /// ``description`` with `linearKernel` as the Linear layers' kernel: a model's at its
    /// ``ComputePrecision`` (``ComputePrecision/kernelName``).
    public func description(linearKernel: String) -> String {
        var text = "isa=\(instructionSet)"
        if instructionSet != detectedInstructionSet { text += " cpu_isa=\(detectedInstructionSet)" }
        text += " linear=\(linearKernel) kernels=\(coreName)"
        if let replacedCoreName { text += " (replaced \(replacedCoreName))" }
        text += " threads=\(threads)"
        if let pinnedCoreType { text += " OPENBLAS_CORETYPE=\(pinnedCoreType)" }
        return text
    }
}
