import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation
import ImageIO

/// `multiembed bench`: throughput of the encoders, to compare with peers run side by side.
///
/// Run it with `env -u OPENBLAS_CORETYPE` on machines whose environment pins OpenBLAS to AVX2
/// kernels (see ../shared/bench/README.md); the output line says which kernels were in use.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark the encoders.", subcommands: [
            BenchText.self, BenchImage.self, BenchVisualPages.self, BenchVisualQueries.self, BenchMaxSim.self, BenchSearch.self, BenchServer.self, BenchOCR.self, BenchPGSearch.self,
        ])
}

/// `multiembed bench text`: embeds the whole file once to warm up, then once timed.
struct BenchText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Text throughput: prints texts=N batch=B seconds=S texts_per_s=T (and the BLAS kernels in use).")

    @Option(name: .long, help: "Model folder.")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "File of texts, one per line.")
    var texts: String

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize = 32

    func run() throws {
        warnIfBLASIsPinned()
        let bundle = try loadModel(model, compute: computeOptions.compute)
        let embedder = try textEmbedder(of: bundle)
        let inputs = try readTexts(texts)
        guard !inputs.isEmpty else { throw CommandFailure("\(texts) holds no texts") }
        let options = TextEmbeddingOptions(batchSize: batchSize)
        do {
            _ = try embedder.embed(inputs, options: options)
            let start = ContinuousClock.now
            _ = try embedder.embed(inputs, options: options)
            let seconds = secondsSince(start)
            print(String(
                format: "texts=%d batch=%d seconds=%.3f texts_per_s=%.1f %@",
                inputs.count, batchSize, seconds, Double(inputs.count) / seconds, benchKernels(bundle.computePrecision)))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// `multiembed bench image`: the vision tower on preprocessed tensors (decoding and resizing are
/// not timed, as in the peers' script), warm-up pass then timed pass.
struct BenchImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Image throughput: prints images=N batch=B seconds=S images_per_s=T (and the BLAS kernels in use).")

    @Option(name: .long, help: "Model folder; without it, --arch with random weights.")
    var model: String?

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "Architecture to build with random weights when no --model is given.")
    var arch = "clip-vit-b-32"

    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 16

    @Option(name: .long, help: "Images per pass.")
    var images = 64

    func run() throws {
        warnIfBLASIsPinned()
        guard batchSize > 0, images > 0 else { throw ValidationError("--batch-size and --images must be positive") }
        let vision: ClipVisionModel
        var precision = computeOptions.compute ?? .float32
        if let model {
            let bundle = try loadModel(model, compute: computeOptions.compute)
            guard let image = bundle.image else { throw CommandFailure("model \(model) has no image encoder") }
            vision = image.vision
            precision = bundle.computePrecision
        } else {
            if let warning = precision.speedWarning { printError(warning) }
            guard arch == "clip-vit-b-32" else { throw ValidationError("unknown --arch \(arch); known: clip-vit-b-32") }
            do {
                vision = try ClipVisionModel(config: .vitBase32, loader: WeightLoader(file: RandomTensorSource(), computePrecision: precision), configPath: arch)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        let side = vision.config.imageSize
        // Pixel values in [-2, 2), like normalised images; a seeded generator keeps set-up cheap.
        var state: UInt64 = 0x5EED
        let inputs = (0..<images).map { _ in
            PixelValues(
                channels: vision.config.numChannels, height: side, width: side,
                values: (0 ..< vision.config.numChannels * side * side).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return Float(state >> 40) / Float(1 << 24) * 4 - 2
                })
        }
        func pass() throws {
            var start = 0
            while start < inputs.count {
                let batch = inputs[start ..< min(start + batchSize, inputs.count)]
                let grids = try batch.map { pixels in
                    let cut = try Patchify.patches(pixels, patchSize: vision.config.patchSize)
                    return ClipVisionModel.PatchGrid(rows: cut.rows, cols: cut.cols, values: cut.values)
                }
                let states = vision.forward(grids)
                for index in grids.indices { _ = vision.projected(states, index: index, classTokenOnly: true) }
                start += batch.count
            }
        }
        try pass()
        let start = ContinuousClock.now
        try pass()
        let seconds = secondsSince(start)
        print(String(
            format: "arch=%@ images=%d batch=%d seconds=%.3f images_per_s=%.2f %@",
            model ?? arch, images, batchSize, seconds, Double(images) / seconds, benchKernels(precision)))
    }
}

/// Seconds elapsed since `start` on the monotonic clock.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
