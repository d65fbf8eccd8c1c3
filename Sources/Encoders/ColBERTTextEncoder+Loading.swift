import Foundation
import Tokenizers

extension ColBERTTextEncoder {
    /// Module types that hold a ColBERT head in modules.json (PyLate's own, or the
    /// sentence-transformers one PyLate converts on load).
    static let denseModuleTypes: Set<String> = ["pylate.models.Dense.Dense", "sentence_transformers.models.Dense"]

    /// The late-interaction encoder of a BERT-family folder, or nil when the folder is not a
    /// ColBERT-style model: neither a `Dense` module in modules.json (PyLate) nor an `HF_ColBERT`
    /// architecture (Stanford ColBERT).
    public static func loadIfLateInteraction(directory: URL) throws(ModelLoadError) -> ColBERTTextEncoder? {
        let configURL = directory.appendingPathComponent("config.json")
        let rawConfig = try JSONFile.object(at: configURL)
        let stanford = (rawConfig["architectures"] as? [String])?.first == "HF_ColBERT"
        let denseFolders = try denseModuleFolders(directory)
        guard stanford || !denseFolders.isEmpty else { return nil }
        guard denseFolders.count <= 1 else {
            throw .invalidConfig(path: directory.appendingPathComponent("modules.json").path, reason: "more than one Dense module is not supported")
        }
        let config = try JSONFile.decode(BertConfig.self, at: configURL)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        let root = file.entries["embeddings.word_embeddings.weight"] == nil && file.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert" : ""
        let top = WeightLoader(file: file)
        let model = try BertModel(config: config, loader: root.isEmpty ? top : top.scoped(root), configPath: configURL.path)
        let head: ColBERTHead
        if let folder = denseFolders.first {
            head = try ColBERTHead.load(denseFolder: directory.appendingPathComponent(folder), hiddenSize: config.hiddenSize)
        } else {
            // Stanford keeps the head beside the backbone: `linear.weight [dim, hidden]`, no bias.
            guard let entry = file.entries["linear.weight"], entry.shape.count == 2 else {
                throw .missingTensor(name: "linear.weight", path: file.path)
            }
            head = ColBERTHead(linear: try top.linear("linear", inFeatures: config.hiddenSize, outFeatures: entry.shape[0], bias: false))
        }
        try top.checkAllUsed(ignoring: BertModel.isIgnorable)
        let tokenizer: WordPieceTokenizer
        do { tokenizer = try WordPieceTokenizer.load(modelDirectory: directory) } catch {
            throw .unreadableFile(path: directory.path, reason: error.description)
        }
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw .invalidConfig(
                path: configURL.path, reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but vocab_size is \(config.vocabSize)")
        }
        var defaults = ColBERTConventions.pylateDefaults
        if stanford {
            defaults.queryPrefix = "[unused0]"
            defaults.documentPrefix = "[unused1]"
        }
        let conventions = try ColBERTConventions.load(directory: directory, defaults: defaults)
        return try ColBERTTextEncoder(conventions: conventions, tokenizer: tokenizer, model: model, head: head, path: directory.path)
    }

    /// Folders of the Dense modules listed in modules.json, in order.
    static func denseModuleFolders(_ directory: URL) throws(ModelLoadError) -> [String] {
        let url = directory.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        guard let modules = (try? JSONSerialization.jsonObject(with: try JSONFile.data(at: url))) as? [[String: Any]] else {
            throw .unreadableFile(path: url.path, reason: "not a JSON array of modules")
        }
        return modules.compactMap { module in
            guard let type = module["type"] as? String, denseModuleTypes.contains(type) else { return nil }
            return module["path"] as? String ?? "1_Dense"
        }
    }
}
