/// Why a request (or one input of it) could not be embedded. Messages name the input.
public enum EmbeddingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The request names a prompt the model does not define.
    case unknownPrompt(name: String, available: [String])
    /// Both a prompt name and a free instruction were given.
    case promptAndInstruction
    /// `dimensions` is not an allowed Matryoshka size.
    case invalidDimensions(requested: Int, allowed: String)
    /// A limit on the request is out of range (batch size, max length).
    case invalidOption(String)
    /// Input `index` has more tokens than the limit and truncation was set to error.
    case inputTooLong(index: Int, tokens: Int, limit: Int)
    /// Input `index` could not be tokenised or decoded.
    case invalidInput(index: Int, reason: String)
    /// The model has no encoder for this kind of input (e.g. images for a text model).
    case unsupportedInput(String)

    public var description: String {
        switch self {
        case .unknownPrompt(let name, let available):
            "unknown prompt '\(name)'; this model defines " + (available.isEmpty ? "no prompts" : available.sorted().map { "'\($0)'" }.joined(separator: ", "))
        case .promptAndInstruction:
            "give either a prompt name or an instruction, not both"
        case .invalidDimensions(let requested, let allowed):
            "dimensions \(requested) is not allowed; allowed: \(allowed)"
        case .invalidOption(let message):
            message
        case .inputTooLong(let index, let tokens, let limit):
            "input \(index) has \(tokens) tokens, more than the limit of \(limit), and truncation is set to error"
        case .invalidInput(let index, let reason):
            "input \(index): \(reason)"
        case .unsupportedInput(let message):
            message
        }
    }
}
