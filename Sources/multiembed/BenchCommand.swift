import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation

/// `multiembed bench`: throughput of the encoders, to compare with peers run side by side.
///
/// Run it with `env -u OPENBLAS_CORETYPE` on machines whose environment pins OpenBLAS to AVX2
/// kernels (see ../shared/bench/README.md); the output line says which kernels were in use.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark the encoders.", subcommands: [BenchText.self])
}

/// `multiembed bench text`: embeds the whole file once to warm up, then once timed.
struct BenchText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Text throughput: prints texts=N batch=B seconds=S texts_per_s=T (and the BLAS kernels in use).")

    @Option(name: .long, help: "Model folder.")
    var model: String

    @Option(name: .long, help: "File of texts, one per line.")
    var texts: String

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize = 32

    func run() throws {
        warnIfBLASIsPinned()
        let embedder = try textEmbedder(of: try loadModel(model))
        let inputs = try readTexts(texts)
        guard !inputs.isEmpty else { throw CommandFailure("\(texts) holds no texts") }
        let options = TextEmbeddingOptions(batchSize: batchSize)
        do {
            _ = try embedder.embed(inputs, options: options)
            let start = ContinuousClock.now
            _ = try embedder.embed(inputs, options: options)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let runtime = BLASRuntime.current()
            print(String(
                format: "texts=%d batch=%d seconds=%.3f texts_per_s=%.1f kernels=%@ threads=%d",
                inputs.count, batchSize, seconds, Double(inputs.count) / seconds, runtime.coreName, runtime.threads))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
