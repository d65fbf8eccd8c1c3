import ArgumentParser
import Encoders
import Foundation

/// `multiembed embed`: embeds a file of texts and writes JSON Lines, one object per input in
/// input order: `{"index": i, "embedding": [...]}` (plus `"vectors"` with --multi-vector), or
/// `{"index": i, "error": "..."}` for an input that could not be embedded.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Embed texts (one per line, or .jsonl with a \"text\" field) as JSON Lines.")

    @Option(name: .long, help: "Model folder (Hugging Face layout).")
    var model: String

    @Option(name: .long, help: "File of texts: one per line, or .jsonl objects with a \"text\" field; - for stdin.")
    var texts: String

    @Option(name: .long, help: "A prompt the model defines, e.g. query or document.")
    var promptName: String?

    @Option(name: .long, help: "A free instruction prepended to every text.")
    var instruction: String?

    @Option(name: .long, help: "Matryoshka truncation of the pooled vector (then re-normalised).")
    var dimensions: Int?

    @Flag(name: .long, help: "Also output one vector per token (\"vectors\").")
    var multiVector = false

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize = 32

    @Option(name: .long, help: "Over-long texts: end (keep the start), start (keep the end) or error.")
    var truncate: TruncateOption = .end

    @Option(name: .long, help: "Token limit, special tokens included (default: the model's max_seq_length).")
    var maxLength: Int?

    /// Texts embedded per round: bounds memory on huge inputs while keeping length-sorted batches.
    private static let roundSize = 4096

    func run() throws {
        if promptName != nil && instruction != nil {
            throw ValidationError("give --prompt-name or --instruction, not both")
        }
        warnIfBLASIsPinned()
        let embedder = try textEmbedder(of: try loadModel(model))
        let inputs = try readTexts(texts)
        let options = TextEmbeddingOptions(
            promptName: promptName, instruction: instruction, dimensions: dimensions, truncation: truncate.policy,
            maxLength: maxLength, output: multiVector ? .both : .pooled, batchSize: batchSize)
        var output = OutputBuffer()
        let progress = ProgressBar(total: inputs.count, label: "embedding")
        var failures = 0
        var start = 0
        while start < inputs.count {
            let round = Array(inputs[start ..< min(start + Self.roundSize, inputs.count)])
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
