import EmbeddingTesting
import Foundation
import Testing
@testable import Encoders

/// The architecture registry: lookup by `model_type`, what each architecture's fixtures
/// provide, and strict weight loading (a missing, unknown or misshapen tensor is an error that
/// names it) for every architecture.
@Suite struct ArchitectureRegistryTests {
    @Test func unknownModelTypeIsNamedWithTheSupportedOnes() throws {
        let folder = try TemporaryDirectory()
        try folder.write("config.json", #"{"model_type": "llama", "hidden_size": 64}"#)
        let configPath = folder.url.appendingPathComponent("config.json").path
        #expect(throws: ModelLoadError.unsupportedArchitecture(modelType: "llama", path: configPath, supported: ["bert", "clip", "modernbert", "modernvbert", "siglip2"])) {
            try ModelBundle.load(directory: folder.url)
        }
        do {
            _ = try ModelBundle.load(directory: folder.url)
        } catch {
            #expect(error.description.contains("'llama'") && error.description.contains("supported: bert, clip, modernbert"))
        }
        try folder.write("config.json", #"{"hidden_size": 64}"#)
        do {
            _ = try ModelBundle.load(directory: folder.url)
            Issue.record("a config without model_type loaded")
        } catch {
            #expect(error == .unsupportedArchitecture(modelType: "", path: configPath, supported: ["bert", "clip", "modernbert", "modernvbert", "siglip2"]))
            #expect(error.description.hasPrefix("no model_type in \(configPath)"))
        }
    }

    @Test func everyModelTypeBelongsToOneArchitecture() {
        let types = ArchitectureRegistry.architectures.flatMap { $0.modelTypes }
        #expect(!types.isEmpty && Set(types).count == types.count)
        #expect(ArchitectureRegistry.modelTypes == types.sorted())
        for architecture in ArchitectureRegistry.architectures {
            #expect(!architecture.modelTypes.isEmpty)
            for type in architecture.modelTypes {
                let found = ArchitectureRegistry.architecture(for: type)
                #expect(found.map { ObjectIdentifier($0) } == ObjectIdentifier(architecture))
            }
        }
        #expect(ArchitectureRegistry.architecture(for: "BERT") == nil && ArchitectureRegistry.architecture(for: "") == nil)
    }

    @Test func minilmIsATextEmbedder() throws {
        let bundle = try ModelBundle.load(directory: Fixtures.defaultModel)
        guard case .textEmbedder(let text) = bundle.encoders else {
            Issue.record("all-MiniLM-L6-v2 loaded as \(bundle.encoders)")
            return
        }
        #expect(bundle.modelType == "bert" && bundle.name == "all-MiniLM-L6-v2")
        #expect(text.tower.pooledDimension == 384 && text.pipeline.normalize)
        #expect(bundle.text != nil && bundle.image == nil && bundle.lateInteraction == nil)
        #expect(bundle.encoders.description == "text embedder (384 dimensions)")
    }

    @Test func tinyClipIsASharedTextImageSpace() throws {
        let bundle = try ModelBundle.load(directory: Fixtures.url("tiny-clip"))
        guard case .sharedTextImage(let text, let image) = bundle.encoders else {
            Issue.record("tiny-clip loaded as \(bundle.encoders)")
            return
        }
        #expect(bundle.modelType == "clip")
        #expect(text.tower.pooledDimension == 24 && image.dimension == 24)
        #expect(bundle.text != nil && bundle.image != nil && bundle.lateInteraction == nil)
    }

    @Test func colbertFixtureIsLateInteractionText() throws {
        let folder = try ColBERTFixture.make()
        let bundle = try ModelBundle.load(directory: folder.url)
        guard case .lateInteractionText(let encoder) = bundle.encoders else {
            Issue.record("the ColBERT fixture loaded as \(bundle.encoders)")
            return
        }
        #expect(bundle.modelType == "bert" && encoder.dimension == ColBERTFixture.headWidth)
        #expect(encoder.backbone.hiddenSize == ColBERTFixture.hidden && encoder.backbone.maxPositions == 512)
        #expect(bundle.text == nil && bundle.image == nil && bundle.lateInteraction != nil)
        // The same folder without its Dense module is a plain BERT embedder.
        try folder.remove("modules.json")
        guard case .textEmbedder(let text) = try ModelBundle.load(directory: folder.url).encoders else {
            Issue.record("without modules.json the ColBERT fixture is not a text embedder")
            return
        }
        #expect(text.tower.pooledDimension == ColBERTFixture.hidden)
    }

    /// Stanford ColBERT's layout (`HF_ColBERT`, the backbone under `bert.`, `linear.weight`
    /// beside it, no Dense module) over the fixture's weights gives the same vectors as PyLate's.
    @Test func stanfordLayoutMatchesPyLateLayout() throws {
        let (pylate, head) = try ColBERTFixture.makeWithHead()
        let reference = try #require(try ModelBundle.load(directory: pylate.url).lateInteraction)
        let (stanford, _) = try ColBERTFixture.makeWithHead()
        let weights = stanford.url.appendingPathComponent("model.safetensors")
        var tensors = try Self.tensors(of: weights).map { (name: "bert." + $0.name, shape: $0.shape, values: $0.values) }
        tensors.append(("linear.weight", [ColBERTFixture.headWidth, ColBERTFixture.hidden], head))
        try SafetensorsWriter.write(tensors, to: weights)
        try stanford.remove("modules.json")
        try FileManager.default.removeItem(at: stanford.url.appendingPathComponent("1_Dense"))
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stanford.url.appendingPathComponent("config.json"))) as? [String: Any])
        config["architectures"] = ["HF_ColBERT"]
        try JSONSerialization.data(withJSONObject: config).write(to: stanford.url.appendingPathComponent("config.json"))
        let encoder = try #require(try ModelBundle.load(directory: stanford.url).lateInteraction)
        let texts = ["late interaction, token by token", "a second document"]
        #expect(try encoder.encodeDocuments(texts) == reference.encodeDocuments(texts))
        #expect(try encoder.encodeQueries(texts) == reference.encodeQueries(texts))
        // Without PyLate's settings, Stanford's own markers: [unused0] and [unused1].
        try stanford.remove("config_sentence_transformers.json")
        let markers = try #require(try ModelBundle.load(directory: stanford.url).lateInteraction)
        #expect(markers.queryMarkerID == 1 && markers.documentMarkerID == 2)
    }

    @Test func nonPositiveSizesAreConfigErrorsNamingTheKey() throws {
        let folder = try ColBERTFixture.make()
        let configURL = folder.url.appendingPathComponent("config.json")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        for (key, value) in [("num_attention_heads", 0), ("num_hidden_layers", -1), ("hidden_size", -32)] {
            var config = original
            config[key] = value
            try JSONSerialization.data(withJSONObject: config).write(to: configURL)
            do {
                _ = try ModelBundle.load(directory: folder.url)
                Issue.record("\(key) \(value) loaded")
            } catch {
                guard case .invalidConfig(let path, let reason) = error else {
                    Issue.record("\(key) \(value): unexpected \(error)")
                    continue
                }
                #expect(path == configURL.path && reason.contains(key))
            }
        }
    }

    // MARK: - Strict weights

    /// One weights file of one architecture's fixture, with a tensor to remove and one to reshape.
    struct WeightsCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// Makes the model folder, with files that may be replaced.
        var makeFolder: @Sendable () throws -> TemporaryDirectory
        /// The weights file, relative to the folder.
        var file: String
        var removed: String
        var reshaped: String

        var testDescription: String { "\(name) (\(file))" }
    }

    static let weightsCases: [WeightsCase] = [
        WeightsCase(
            name: "BERT embedder", makeFolder: { try bertEmbedderFolder() }, file: "model.safetensors",
            removed: "encoder.layer.1.output.dense.bias", reshaped: "encoder.layer.0.intermediate.dense.weight"),
        WeightsCase(
            name: "BERT ColBERT", makeFolder: { try ColBERTFixture.make() }, file: "model.safetensors",
            removed: "embeddings.LayerNorm.weight", reshaped: "encoder.layer.1.output.dense.weight"),
        WeightsCase(
            name: "BERT ColBERT head", makeFolder: { try ColBERTFixture.make() }, file: "1_Dense/model.safetensors",
            removed: "linear.weight", reshaped: "linear.weight"),
        WeightsCase(
            name: "CLIP", makeFolder: { try linkedCopy(of: Fixtures.url("tiny-clip")) }, file: "model.safetensors",
            removed: "vision_model.post_layernorm.weight", reshaped: "text_projection.weight"),
        WeightsCase(
            name: "ColModernVBERT", makeFolder: { try linkedCopy(of: Fixtures.url("tiny-colmodernvbert")) }, file: "model.safetensors",
            removed: "model.vision_model.post_layernorm.weight", reshaped: "model.connector.modality_projection.weight"),
        WeightsCase(
            name: "SigLIP2", makeFolder: { try linkedCopy(of: Fixtures.url("tiny-siglip2")) }, file: "model.safetensors",
            removed: "vision_model.head.probe", reshaped: "vision_model.head.mlp.fc1.weight"),
    ]

    @Test(arguments: weightsCases) func unknownTensorIsRefusedByName(_ weights: WeightsCase) throws {
        let folder = try weights.makeFolder()
        let url = folder.url.appendingPathComponent(weights.file)
        try Self.rewrite(url) { $0.append(("encoder.extra.weight", [2, 3], [Float](repeating: 0.5, count: 6))) }
        #expect(throws: ModelLoadError.unexpectedTensors(names: ["encoder.extra.weight"], path: url.path)) {
            try ModelBundle.load(directory: folder.url)
        }
    }

    @Test(arguments: weightsCases) func missingTensorIsRefusedByName(_ weights: WeightsCase) throws {
        let folder = try weights.makeFolder()
        let url = folder.url.appendingPathComponent(weights.file)
        try Self.rewrite(url) { tensors in tensors.removeAll { $0.name == weights.removed } }
        #expect(throws: ModelLoadError.missingTensor(name: weights.removed, path: url.path)) {
            try ModelBundle.load(directory: folder.url)
        }
    }

    @Test(arguments: weightsCases) func misshapenTensorIsRefusedByName(_ weights: WeightsCase) throws {
        let folder = try weights.makeFolder()
        let url = folder.url.appendingPathComponent(weights.file)
        var original: [Int] = []
        try Self.rewrite(url) { tensors in
            let index = tensors.firstIndex { $0.name == weights.reshaped }!
            original = tensors[index].shape
            // Rows and columns swapped: same element count, so only the shape check can catch it.
            tensors[index].shape = original.reversed()
        }
        #expect(original.count == 2 && original[0] != original[1])
        #expect(throws: ModelLoadError.wrongShape(name: weights.reshaped, expected: original, actual: original.reversed(), path: url.path)) {
            try ModelBundle.load(directory: folder.url)
        }
    }

    // MARK: - Helpers

    typealias StoredTensor = (name: String, shape: [Int], values: [Float])

    /// Every tensor of a safetensors file, as float32.
    static func tensors(of url: URL) throws -> [StoredTensor] {
        let file = try SafetensorsFile(url: url)
        return try file.names.sorted().map { name in
            let tensor = try file.tensor(name, shape: nil)
            return (name, tensor.shape, tensor.storage)
        }
    }

    /// Replaces the file (or link) at `url` by its tensors after `change`.
    static func rewrite(_ url: URL, _ change: (inout [StoredTensor]) -> Void) throws {
        var stored = try tensors(of: url)
        change(&stored)
        try FileManager.default.removeItem(at: url)
        try SafetensorsWriter.write(stored, to: url)
    }

    /// A folder whose entries link to those of `source`, so that any of them can be replaced.
    static func linkedCopy(of source: URL) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.createSymbolicLink(
                at: folder.url.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        return folder
    }

    /// A tiny BERT sentence embedder: the ColBERT fixture without its Dense module.
    static func bertEmbedderFolder() throws -> TemporaryDirectory {
        let folder = try ColBERTFixture.make()
        try folder.remove("modules.json")
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("1_Dense"))
        return folder
    }
}
