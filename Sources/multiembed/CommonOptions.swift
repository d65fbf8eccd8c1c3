import ArgumentParser
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

/// Loads `--model DIR`, turning load errors into a message that names the folder.
func loadModel(_ path: String) throws -> ModelBundle {
    do {
        return try ModelBundle.load(directory: URL(fileURLWithPath: path))
    } catch {
        throw CommandFailure(error.description)
    }
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
