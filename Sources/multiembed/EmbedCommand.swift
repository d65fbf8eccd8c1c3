import ArgumentParser
import Encoders
import Foundation
import ImageIO

/// `multiembed embed`: embeds a file of texts, or image files, and writes JSON Lines, one object
/// per input in input order: `{"index": i, "embedding": [...]}` (plus `"file"` for images and
/// `"vectors"` with --multi-vector), or `{"index": i, "error": "..."}` for an input that could
/// not be embedded.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts (one per line, or .jsonl with a \"text\" field) or images (files or folders) as JSON Lines.")

    @Option(name: .long, help: "Model folder (Hugging Face layout).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "File of texts: one per line, or .jsonl objects with a \"text\" field; - for stdin.")
    var texts: String?

    @Option(name: .long, parsing: .upToNextOption, help: "PNG/JPEG files, or folders searched recursively.")
    var images: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Page images and PDFs, or folders of them: each page read into words (OCR, or a PDF page's text layer) and embedded as that text.")
    var pages: [String] = []

    @OptionGroup(title: "Pages") var reading: PageReadingOptions

    @Option(name: .long, help: "A prompt the model defines, e.g. query or document.")
    var promptName: String?

    @Option(name: .long, help: "A free instruction prepended to every text.")
    var instruction: String?

    @Option(name: .long, help: "Matryoshka truncation of the pooled vector (then re-normalised).")
    var dimensions: Int?

    @Flag(name: .long, help: "Also output one vector per token (\"vectors\").")
    var multiVector = false

    @Option(name: .long, help: "Inputs per forward pass (default: 32 texts, 16 images).")
    var batchSize: Int?

    @Option(name: .long, help: "Over-long texts: end (keep the start), start (keep the end) or error.")
    var truncate: TruncateOption = .end

    @Option(name: .long, help: "Token limit, special tokens included (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(name: .long, help: "Most pixels (width x height) of one image.")
    var maxImagePixels = ImageLimits.defaultMaxPixels

    @Option(name: .long, help: "Largest image file, in bytes (the server's default max_image_bytes too).")
    var maxImageBytes = ImageLimits.defaultMaxEncodedBytes

    @Option(name: .long, help: "Most tiles one image may become in a tiling model (ColModernVBERT), the global image included; a larger layout fails that image.")
    var maxTiles = ImageLimits.defaultMaxTiles

    /// Batches embedded per round: bounds memory on huge inputs and paces the progress bar.
    /// Batches are packed without padding, so sorting by length over a longer window gains little.
    private static let batchesPerRound = 8

    func validate() throws {
        guard maxTiles >= 1 else { throw ValidationError("--max-tiles must be at least 1, got \(maxTiles)") }
        if promptName != nil && instruction != nil {
            throw ValidationError("give --prompt-name or --instruction, not both")
        }
        guard [texts != nil, !images.isEmpty, !pages.isEmpty].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --texts FILE, --images FILE... or --pages FILE...")
        }
        if texts == nil && (promptName != nil || instruction != nil) {
            throw ValidationError("prompts and instructions apply to texts (--texts); images take none, and pages take the model's document convention")
        }
    }

    func run() throws {
        warnIfBLASIsPinned()
        let bundle = try loadModel(model, compute: computeOptions.compute)
        if let visual = bundle.lateInteractionVisual, pages.isEmpty {
            try embedWithVisualModel(visual, name: bundle.name)
        } else if let texts {
            try embedTexts(try textEmbedder(of: bundle), path: texts)
        } else if !pages.isEmpty {
            try embedPages(bundle)
        } else {
            try embedImages(bundle)
        }
    }

    private func embedTexts(_ embedder: TextEmbedder, path: String) throws {
        let inputs = try readTexts(path)
        let options = TextEmbeddingOptions(
            promptName: promptName, instruction: instruction, dimensions: dimensions, truncation: truncate.policy,
            maxLength: maxLength, output: multiVector ? .both : .pooled, batchSize: batchSize ?? 32)
        var output = OutputBuffer()
        let progress = ProgressBar(total: inputs.count, label: "embedding")
        var failures = 0
        let roundSize = options.batchSize * Self.batchesPerRound
        var start = 0
        while start < inputs.count {
            let round = Array(inputs[start ..< min(start + roundSize, inputs.count)])
            let results: [Result<TextEmbedding, EmbeddingError>]
            do { results = try embedder.embed(round, options: options) } catch { throw CommandFailure(error.description) }
            for (offset, result) in results.enumerated() {
                let index = start + offset
                switch result {
                case .success(let embedding):
                    var line = "{\"index\":\(index),\"embedding\":\(jsonArray(embedding.pooled ?? []))"
                    if let vectors = embedding.tokenVectors {
                        line += ",\"vectors\":[" + vectors.map(jsonArray).joined(separator: ",") + "]"
                    }
                    output.append(line + "}\n")
                case .failure(let error):
                    failures += 1
                    output.append("{\"index\":\(index),\"error\":\(jsonString(error.description(forIndex: index)))}\n")
                }
            }
            start += round.count
            progress.update(start)
        }
        output.flush()
        progress.finish()
        if failures > 0 { throw CommandFailure("\(failures) of \(inputs.count) inputs could not be embedded") }
    }

    private func embedImages(_ bundle: ModelBundle) throws {
        guard let embedder = bundle.imageEncoder else {
            throw CommandFailure("model \(bundle.name) has no image encoder (it is a \(bundle.modelType) text model)")
        }
        let files = try ImageFiles.collect(images)
        let batch = batchSize ?? 16
        let options = ImageEmbeddingOptions(
            output: multiVector ? .both : .pooled, dimensions: dimensions, batchSize: batch,
            limits: ImageLimits(maxPixels: maxImagePixels, maxEncodedBytes: maxImageBytes))
        var output = OutputBuffer()
        let progress = ProgressBar(total: files.count, label: "embedding", minimumTotal: 32)
        var failures = 0
        var start = 0
        // One batch of files in memory at a time: folders of scans can be gigabytes.
        while start < files.count {
            let round = Array(files[start ..< min(start + batch, files.count)])
            let reads = round.map { ImageFiles.read($0, maxBytes: maxImageBytes) }
            let inputs = zip(round, reads).map { file, read in
                ImageInput.encoded(bytes: (try? read.get()) ?? [], name: file)
            }
            let results: [Result<ImageEmbedding, EmbeddingError>]
            do { results = try embedder.embed(inputs, options: options) } catch { throw CommandFailure(error.description) }
            for (offset, (result, read)) in zip(results, reads).enumerated() {
                let index = start + offset
                var line = "{\"index\":\(index),\"file\":\(jsonString(round[offset]))"
                switch (read, result) {
                case (.failure(let error), _):
                    failures += 1
                    line += ",\"error\":\(jsonString(error.description))"
                case (_, .failure(let error)):
                    failures += 1
                    line += ",\"error\":\(jsonString(error.description(forIndex: index)))"
                case (_, .success(let embedding)):
                    line += ",\"embedding\":\(jsonArray(embedding.pooled ?? []))"
                    if let vectors = embedding.tokenVectors {
                        line += ",\"vectors\":[" + vectors.map(jsonArray).joined(separator: ",") + "]"
                    }
                }
                output.append(line + "}\n")
            }
            start += round.count
            progress.update(start)
        }
        output.flush()
        progress.finish()
        if failures > 0 { throw CommandFailure("\(failures) of \(files.count) images could not be embedded") }
    }
}

extension EmbeddingError {
    /// The message with the input's index in the whole file rather than in its round.
    func description(forIndex index: Int) -> String {
        switch self {
        case .inputTooLong(_, let tokens, let limit): EmbeddingError.inputTooLong(index: index, tokens: tokens, limit: limit).description
        case .invalidInput(_, let reason): EmbeddingError.invalidInput(index: index, reason: reason).description
        default: description
        }
    }
}
