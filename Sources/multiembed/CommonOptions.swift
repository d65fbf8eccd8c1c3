import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation
import Tokenizers

/// How over-long texts are handled, as named on the command line.
enum TruncateOption: String, ExpressibleByArgument, CaseIterable {
    case end, start, error

    var policy: TruncationPolicy {
        switch self {
        case .end: .end
        case .start: .start
        case .error: .error
        }
    }
}

/// Errors of the command line itself, printed as `error: ...` with a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ComputePrecision: ExpressibleByArgument {}

/// `--compute`: the arithmetic of the models' Linear layers for this run.
struct ComputeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Linear-layer arithmetic: float32, bf16 (about 1.7x float32 with AVX512_BF16; cosine to float32 >= 0.999) or int8 (weights per output channel, activations per row; about 2.5x float32 with AVX512_VNNI; cosine to float32 >= 0.99). Default: the model's multiembed.json \"compute\", else float32.",
            valueName: "precision"))
    var compute: ComputePrecision?
}

/// Loads `--model DIR` at `compute` (nil: the folder's multiembed.json says, else float32),
/// turning load errors into a message that names the folder. Warns on standard error when the
/// precision runs slower than it exists to (bf16 without AVX512_BF16).
func loadModel(_ path: String, compute: ComputePrecision? = nil) throws -> ModelBundle {
    let bundle: ModelBundle
    do {
        bundle = try ModelBundle.load(directory: URL(fileURLWithPath: path), computePrecision: compute)
    } catch {
        throw CommandFailure(error.description)
    }
    if let warning = bundle.computePrecision.speedWarning { printError(warning) }
    return bundle
}

/// The text encoder of a model, or an error saying the model has none.
func textEmbedder(of bundle: ModelBundle) throws -> TextEmbedder {
    guard let text = bundle.text else { throw CommandFailure("model \(bundle.name) has no text encoder") }
    return text
}

/// Reads `--texts FILE` with errors that name the file and line.
func readTexts(_ path: String) throws -> [String] {
    do { return try TextInputFile.read(path) } catch { throw CommandFailure(error.description) }
}

/// Reads a text file's texts with their lines and ids, with errors that name the file and line.
func readTextRecords(_ path: String) throws -> [TextInputFile.Record] {
    do { return try TextInputFile.records(path) } catch { throw CommandFailure(error.description) }
}
