import EmbeddingKernels
import Foundation
import LateInteraction

/// Prints, once per process and before any heavy work, what holds the kernels back or was
/// ignored: an OPENBLAS_CORETYPE below the CPU, a MULTIEMBED_ISA or MULTIEMBED_LINEAR that names
/// nothing or asks for more than the CPU has.
func warnIfBLASIsPinned() {
    for warning in kernelWarnings() { printError(warning) }
}

/// The warnings of ``warnIfBLASIsPinned()``, for callers that log instead of printing.
func kernelWarnings() -> [String] {
    [BLASRuntime.current().pinningWarning, InstructionSet.environmentWarning, LinearBackend.environmentWarning]
        .compactMap { $0 }
}

/// One line naming what every kind of product runs on: `isa=avx512 linear=avx512-packed
/// kernels=Cooperlake threads=2 maxsim=avx512`.
func kernelSummary() -> String {
    "\(BLASRuntime.current()) maxsim=\(MaxSim.kernelName)"
}

/// What a benchmark line ends with: `compute=bf16 isa=avx512 linear=avx512bf16-packed
/// kernels=Cooperlake threads=2`, the Linear kernel being `precision`'s.
func benchKernels(_ precision: ComputePrecision) -> String {
    "compute=\(precision) " + BLASRuntime.current().description(linearKernel: precision.kernelName)
}

/// The CPU's name, family and model from /proc/cpuinfo (Linux), e.g. `AMD EPYC (family 25
/// model 17)`: figures depend on it, so reports name it.
func cpuDescription() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        if line.isEmpty { break }  // the first processor is enough
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { continue }
        let key = parts[0].trimmingCharacters(in: .whitespaces)
        if fields[key] == nil { fields[key] = parts[1].trimmingCharacters(in: .whitespaces) }
    }
    let name = fields["model name"] ?? "unknown"
    guard let family = fields["cpu family"], let model = fields["model"] else { return name }
    return "\(name) (family \(family) model \(model))"
}
