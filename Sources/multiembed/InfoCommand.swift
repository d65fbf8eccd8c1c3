import ArgumentParser
import EmbeddingKernels
import LateInteraction

/// `multiembed info`: which CPU this is and what every kind of product runs on, the first thing
/// to read when a figure looks wrong on a new machine.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Prints the CPU, its instruction-set level and the kernel each kind of product runs on.",
        discussion: """
            MULTIEMBED_ISA=avx2|portable lowers the level of MultiEmbed's own kernels (never above the \
            CPU); MULTIEMBED_LINEAR=openblas puts the models' Linear layers on OpenBLAS (for benchmarks). \
            OpenBLAS's kernels are replaced when it chose ones below the CPU, unless OPENBLAS_CORETYPE is set.
            """)

    func run() throws {
        warnIfBLASIsPinned()
        let runtime = BLASRuntime.current()
        print("cpu: \(cpuDescription())")
        print("isa: \(runtime.instructionSet) (the CPU runs \(runtime.detectedInstructionSet))")
        print("linear: \(runtime.linearKernel)")
        print("maxsim: \(MaxSim.kernelName)")
        let replaced = runtime.replacedCoreName.map { ", chosen over \($0), which OpenBLAS picked by itself" } ?? ""
        let pinned = runtime.pinnedCoreType.map { ", pinned by OPENBLAS_CORETYPE=\($0)" } ?? ""
        print("openblas: \(runtime.coreName)\(replaced)\(pinned)")
        print("threads: \(runtime.threads)")
    }
}
