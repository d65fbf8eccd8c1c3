import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation
import ImageIO

/// The visual-document late-interaction encoder (ColModernVBERT) of a model folder, or a clear
/// failure naming the folder when the model is something else.
/// Also returns the precision it was loaded at, for the benchmark line.
private func visualEncoder(_ model: String, compute: ComputePrecision?) throws -> (ColModernVBertEncoder, ComputePrecision) {
    let bundle = try loadModel(model, compute: compute)
    guard let visual = bundle.lateInteractionVisual else {
        throw CommandFailure("model \(bundle.name) is not a visual-document late-interaction model (ColModernVBERT)")
    }
    return (visual, bundle.computePrecision)
}

/// `multiembed bench visual-pages`: pages per second of a ColModernVBERT model, one page image
/// encoded again and again, as bench/peers/peer_colmodernvbert.py times colpali-engine.
///
/// The image is decoded once (not timed); tiling, normalisation, the vision tower, the
/// connector, the text model and the projection are timed, one page per forward pass, after
/// one warm-up page.
struct BenchVisualPages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visual-pages",
        abstract: "Page-image throughput of a visual late-interaction model: prints pages=N tokens=T seconds=S pages_per_s=P (and the kernels in use).")

    @Option(name: .long, help: "Model folder (ColModernVBERT).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "The page image, encoded --pages times.")
    var page: String

    @Option(name: .long, help: "Timed pages.")
    var pages = 2

    func validate() throws {
        guard pages > 0 else { throw ValidationError("--pages must be positive, got \(pages)") }
    }

    func run() throws {
        warnIfBLASIsPinned()
        let (encoder, precision) = try visualEncoder(model, compute: computeOptions.compute)
        let bytes = try ImageFiles.read(page).get()
        let image: RGBImage
        do { image = try ImageDecoder.decode(bytes, name: page) } catch { throw CommandFailure(error.description) }
        do {
            let tokens = try encoder.encode(image: image).count
            let start = ContinuousClock.now
            for _ in 0 ..< pages { _ = try encoder.encode(image: image) }
            let seconds = secondsSince(start)
            print(String(
                format: "pages=%d tokens=%d seconds=%.3f pages_per_s=%.3f %@",
                pages, tokens, seconds, Double(pages) / seconds, benchKernels(precision)))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// `multiembed bench visual-queries`: text queries per second through a ColModernVBERT model's
/// query path (augmentation tokens included), `--batch-size` queries per forward pass, after a
/// warm-up batch, as bench/peers/peer_colmodernvbert.py times colpali-engine.
struct BenchVisualQueries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visual-queries",
        abstract: "Query throughput of a visual late-interaction model: prints queries=N batch=B seconds=S queries_per_s=Q (and the kernels in use).")

    @Option(name: .long, help: "Model folder (ColModernVBERT).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "File of queries, one per line.")
    var texts: String

    @Option(name: .long, help: "Encode the first N queries of the file (default: all).")
    var queries: Int?

    @Option(name: .long, help: "Queries per forward pass.")
    var batchSize = 32

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let queries, queries < 1 { throw ValidationError("--queries must be positive, got \(queries)") }
    }

    func run() throws {
        warnIfBLASIsPinned()
        let (encoder, precision) = try visualEncoder(model, compute: computeOptions.compute)
        var inputs = try readTexts(texts)
        if let queries { inputs = Array(inputs.prefix(queries)) }
        guard !inputs.isEmpty else { throw CommandFailure("\(texts) holds no texts") }
        do {
            _ = try encoder.encode(queries: Array(inputs.prefix(batchSize)))
            let start = ContinuousClock.now
            for first in stride(from: 0, to: inputs.count, by: batchSize) {
                _ = try encoder.encode(queries: Array(inputs[first ..< min(first + batchSize, inputs.count)]))
            }
            let seconds = secondsSince(start)
            print(String(
                format: "queries=%d batch=%d seconds=%.3f queries_per_s=%.1f %@",
                inputs.count, batchSize, seconds, Double(inputs.count) / seconds, benchKernels(precision)))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
