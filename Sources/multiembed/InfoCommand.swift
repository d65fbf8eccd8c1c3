import ArgumentParser
import Encoders
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
            OpenBLAS's kernels are replaced when it chose ones below the CPU, unless OPENBLAS_CORETYPE is set. \
            With --model, each model is loaded and its compute precision (--compute, else its multiembed.json \
            "compute", else float32) and the kernel of its Linear layers are printed.
            """)

    @Option(name: .long, help: "Model folder to load and report; repeat for several.")
    var model: [String] = []

    @OptionGroup var computeOptions: ComputeOptions

    func run() throws {
        warnIfBLASIsPinned()
        let runtime = BLASRuntime.current()
        print("cpu: \(cpuDescription())")
        print("isa: \(runtime.instructionSet) (the CPU runs \(runtime.detectedInstructionSet))")
        print("linear: \(runtime.linearKernel)")
        print("linear-bf16: \(ComputePrecision.bf16.kernelName)")
        print("maxsim: \(MaxSim.kernelName)")
        let replaced = runtime.replacedCoreName.map { ", chosen over \($0), which OpenBLAS picked by itself" } ?? ""
        let pinned = runtime.pinnedCoreType.map { ", pinned by OPENBLAS_CORETYPE=\($0)" } ?? ""
        print("openblas: \(runtime.coreName)\(replaced)\(pinned)")
        print("threads: \(runtime.threads)")
        for path in model {
            let bundle = try loadModel(path, compute: computeOptions.compute)
            print("model \(bundle.name): compute=\(bundle.computePrecision) linear=\(bundle.computePrecision.kernelName)")
        }
    }
}
