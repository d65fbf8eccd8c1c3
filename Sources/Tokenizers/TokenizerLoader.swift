import Foundation

/// Picks the tokenizer a model folder needs, like transformers' `AutoTokenizer`, for the
/// families MultiEmbed serves.
public enum TokenizerLoader {
    /// The tokenizer of a model folder: tokenizer.json's `model` decides (WordPiece →
    /// `WordPieceTokenizer`; BPE with CLIP's `</w>` word ending → `ClipBPETokenizer`; other BPE
    /// → `BPETokenizer`, e.g. ModernBERT); without tokenizer.json, `vocab.txt` means
    /// WordPiece and `vocab.json` (+ `merges.txt`) means CLIP BPE.
    public static func load(modelDirectory: URL) throws(TokenizerError) -> any TextTokenizer {
        let tokenizerFile = modelDirectory.appendingPathComponent("tokenizer.json")
        let config = try TokenizerConfig(directory: modelDirectory)
        if TokenizerFiles.exists(tokenizerFile) {
            let file = try JSONFile(tokenizerFile)
            switch file.root["model"]?["type"]?.stringValue {
            case "WordPiece": return try WordPieceTokenizer.load(tokenizerJSON: file, config: config)
            case "BPE" where BPETokenizer.describes(file):
                return try BPETokenizer.load(tokenizerJSON: file, config: config)
            case "BPE": return try ClipBPETokenizer.load(tokenizerJSON: file, config: config)
            case let other: throw file.malformed("unsupported model type \(other ?? "(none)")")
            }
        }
        let wordPieceVocabulary = modelDirectory.appendingPathComponent("vocab.txt")
        if TokenizerFiles.exists(wordPieceVocabulary) {
            return try WordPieceTokenizer.load(vocabularyFile: wordPieceVocabulary, config: config)
        }
        let bpeVocabulary = modelDirectory.appendingPathComponent("vocab.json")
        if TokenizerFiles.exists(bpeVocabulary) {
            return try ClipBPETokenizer.load(
                vocabularyFile: JSONFile(bpeVocabulary),
                mergesFile: modelDirectory.appendingPathComponent("merges.txt"), config: config)
        }
        throw .missingFile(path: tokenizerFile.path, alternatives: [wordPieceVocabulary.path, bpeVocabulary.path])
    }
}
