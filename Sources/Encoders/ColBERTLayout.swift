import Foundation

/// How a model folder packages a ColBERT-style (late-interaction) model, for any backbone: an
/// architecture file asks ``detect(_:)`` and, when it answers, builds a
/// ``ColBERTTextEncoder`` with ``head(_:weights:hiddenSize:)`` and ``conventions(_:)``.
public struct ColBERTLayout: Sendable, Equatable {
    /// Module types that hold a ColBERT head in modules.json (PyLate's own, or the
    /// sentence-transformers one PyLate converts on load).
    static let denseModuleTypes: Set<String> = ["pylate.models.Dense.Dense", "sentence_transformers.models.Dense"]

    /// The folder of the `Dense` module holding the head (PyLate); nil when the head is
    /// `linear.weight` in the main model.safetensors (Stanford).
    public var denseFolder: String?
    /// A Stanford ColBERT checkpoint (`architectures: ["HF_ColBERT"]`): its markers default to
    /// `[unused0]` / `[unused1]`.
    public var stanford: Bool

    /// The layout of `folder`, or nil when it is not a ColBERT-style model: neither a `Dense`
    /// module in modules.json (PyLate) nor an `HF_ColBERT` architecture (Stanford ColBERT).
    public static func detect(_ folder: ModelFolder) throws(ModelLoadError) -> ColBERTLayout? {
        let stanford = folder.architectures.first == "HF_ColBERT"
        let denseFolders = try denseModuleFolders(folder.directory)
        guard stanford || !denseFolders.isEmpty else { return nil }
        guard denseFolders.count <= 1 else {
            throw .invalidConfig(path: folder.url("modules.json").path, reason: "more than one Dense module is not supported")
        }
        return ColBERTLayout(denseFolder: denseFolders.first, stanford: stanford)
    }

    /// The linear head from `hiddenSize` values to the late-interaction width: the Dense
    /// module's own file, or `linear` in `weights` (the main file's loader, at its root).
    func head(_ folder: ModelFolder, weights: WeightLoader, hiddenSize: Int) throws(ModelLoadError) -> ColBERTHead {
        if let denseFolder {
            return try ColBERTHead.load(denseFolder: folder.url(denseFolder), hiddenSize: hiddenSize)
        }
        // Stanford keeps the head beside the backbone: `linear.weight [dim, hidden]`, no bias.
        guard let shape = weights.shape(of: "linear.weight"), shape.count == 2 else {
            throw .missingTensor(name: "linear.weight", path: weights.path)
        }
        return ColBERTHead(linear: try weights.linear("linear", inFeatures: hiddenSize, outFeatures: shape[0], bias: false))
    }

    /// The conventions of `folder`: its settings over PyLate's defaults, with Stanford's markers
    /// for a Stanford checkpoint.
    public func conventions(_ folder: ModelFolder) throws(ModelLoadError) -> ColBERTConventions {
        var defaults = ColBERTConventions.pylateDefaults
        if stanford {
            defaults.queryPrefix = "[unused0]"
            defaults.documentPrefix = "[unused1]"
        }
        return try ColBERTConventions.load(directory: folder.directory, defaults: defaults)
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
