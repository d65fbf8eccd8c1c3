import CBLAS

#if canImport(Glibc)
import Glibc
#endif

/// What OpenBLAS is running with, and whether the environment holds it back.
///
/// The project's machines set `OPENBLAS_CORETYPE=Haswell`, which pins OpenBLAS to AVX2 kernels
/// even on AVX-512 CPUs (about half the sgemm rate on Zen 5). We respect the variable, since it is
/// the user's choice, but say so once, loudly, because every figure depends on it.
public struct BLASRuntime: Sendable, CustomStringConvertible {
    /// The kernel family OpenBLAS selected, e.g. `Haswell`, `Zen`, `SkylakeX`, `Cooperlake`.
    public let coreName: String
    /// Threads the kernels use: MultiEmbed splits every large GEMM across them itself and runs
    /// OpenBLAS single-threaded per call.
    public let threads: Int
    /// OpenBLAS's build configuration string.
    public let configuration: String
    /// The value of `OPENBLAS_CORETYPE`, if set.
    public let pinnedCoreType: String?
    /// Whether the CPU reports the AVX-512 subsets OpenBLAS's SkylakeX/Cooperlake kernels need.
    public let cpuHasAVX512: Bool
    /// What multiplies the models' `Linear` layers: `avx512-packed` (``PackedWeight``, weights
    /// packed at load) or `openblas`.
    public var linearKernel: String { PackedWeight.isSupported ? "avx512-packed" : "openblas" }

    /// Reads the running library's state.
    public static func current() -> BLASRuntime {
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let pinned = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        return BLASRuntime(
            coreName: core, threads: ComputeThreads.count, configuration: config,
            pinnedCoreType: pinned, cpuHasAVX512: CPUFeatures.hasAVX512ForBLAS)
    }

    /// True when `OPENBLAS_CORETYPE` selects kernels narrower than the CPU could run.
    public var isPinnedBelowCPU: Bool {
        guard pinnedCoreType != nil, cpuHasAVX512 else { return false }
        let avx512Kernels = ["skylakex", "cooperlake", "sapphirerapids"]
        return !avx512Kernels.contains(coreName.lowercased())
    }

    /// A warning to print once at start-up, or nil when nothing holds OpenBLAS back.
    ///
    /// Nil as well where the packed AVX-512 tile multiplies the `Linear` layers: the encoders'
    /// products then never reach OpenBLAS, so the variable cannot slow them.
    public var pinningWarning: String? {
        guard isPinnedBelowCPU, !PackedWeight.isSupported, let pinnedCoreType else { return nil }
        return "warning: OPENBLAS_CORETYPE=\(pinnedCoreType) pins OpenBLAS to its \(coreName) kernels, "
            + "but this CPU supports AVX-512; matrix products may run at about half speed. "
            + "Unset OPENBLAS_CORETYPE to let OpenBLAS choose."
    }

    public var description: String {
        "linear=\(linearKernel) blas=openblas kernels=\(coreName) threads=\(threads)"
            + (pinnedCoreType.map { " OPENBLAS_CORETYPE=\($0)" } ?? "")
    }
}

/// CPU feature flags read from /proc/cpuinfo (Linux); false elsewhere.
enum CPUFeatures {
    static let hasAVX512ForBLAS: Bool = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return false }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        return ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains)
    }()
}

import Foundation
