/// Everything that can go wrong while loading a tokenizer or encoding a text.
///
/// Loading errors name the file involved, so a user pointing `--model` at the wrong folder sees
/// which file is missing or which entry of it is wrong.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required file does not exist. `alternatives` lists other files that would also have
    /// done (for example `vocab.txt` when `tokenizer.json` is absent); none of them exist either.
    case missingFile(path: String, alternatives: [String] = [])
    /// A file exists but could not be read (permissions, I/O error).
    case unreadableFile(path: String, reason: String)
    /// A file was read but its content is not what a tokenizer of this kind needs.
    case malformedFile(path: String, reason: String)
    /// The text needs `tokenCount` tokens (special tokens included) but at most `limit` are
    /// allowed, and the caller asked for `TruncationPolicy.error`.
    case tooLong(tokenCount: Int, limit: Int)
    /// `maxLength` cannot even hold the special tokens every sequence carries.
    case maxLengthTooSmall(maxLength: Int, specialTokenCount: Int)

    public var description: String {
        switch self {
        case .missingFile(let path, let alternatives):
            if alternatives.isEmpty { return "tokenizer file not found: \(path)" }
            return "tokenizer file not found: \(path) (nor \(alternatives.joined(separator: ", ")))"
        case .unreadableFile(let path, let reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case .malformedFile(let path, let reason):
            return "malformed tokenizer file \(path): \(reason)"
        case .tooLong(let tokenCount, let limit):
            return "text is too long: \(tokenCount) tokens, limit \(limit)"
        case .maxLengthTooSmall(let maxLength, let specialTokenCount):
            return "max length \(maxLength) cannot hold the \(specialTokenCount) special tokens of a sequence"
        }
    }
}
