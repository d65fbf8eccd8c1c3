import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Strict loading of ModernBERT checkpoints and the config keys of older and newer transformers.
@Suite struct ModernBertLoadingTests {
    static var fixture: URL { Fixtures.url(ModernBertGolden.folder) }

    /// The fixture's tensors, by name.
    static func fixtureTensors() throws -> [(name: String, shape: [Int], values: [Float])] {
        let file = try SafetensorsFile(url: fixture.appendingPathComponent("model.safetensors"))
        return try file.names.sorted().map { name in
            let tensor = try file.tensor(name, shape: nil)
            return (name, tensor.shape, tensor.storage)
        }
    }

    /// A folder with the fixture's config (or `config`) and `tensors` as its weights.
    static func folder(
        tensors: [(name: String, shape: [Int], values: [Float])], config: String? = nil
    ) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let configText = try config ?? String(contentsOf: fixture.appendingPathComponent("config.json"), encoding: .utf8)
        try directory.write("config.json", configText)
        try SafetensorsWriter.write(tensors, to: directory.url.appendingPathComponent("model.safetensors"))
        return directory
    }

    static func weightsPath(_ directory: TemporaryDirectory) -> String {
        directory.url.appendingPathComponent("model.safetensors").path
    }

    @Test func aMissingTensorIsNamed() throws {
        let directory = try Self.folder(tensors: Self.fixtureTensors().filter { $0.name != "layers.1.attn_norm.weight" })
        #expect(throws: ModelLoadError.missingTensor(name: "layers.1.attn_norm.weight", path: Self.weightsPath(directory))) {
            try ModernBertModel.load(directory: directory.url)
        }
    }

    /// Layer 0 has no attn_norm and no LayerNorm has a bias: either in a file is an error.
    @Test func unknownTensorsAreNamed() throws {
        for stray in ["layers.0.attn_norm.weight", "final_norm.bias"] {
            let directory = try Self.folder(tensors: Self.fixtureTensors() + [(stray, [64], [Float](repeating: 1, count: 64))])
            #expect(throws: ModelLoadError.unexpectedTensors(names: [stray], path: Self.weightsPath(directory))) {
                try ModernBertModel.load(directory: directory.url)
            }
        }
    }

    @Test func aMisshapenTensorIsNamed() throws {
        let tensors = try Self.fixtureTensors().map { tensor in
            tensor.name == "layers.2.mlp.Wi.weight" ? (tensor.name, [96, 64], Array(tensor.values.prefix(96 * 64))) : tensor
        }
        let directory = try Self.folder(tensors: tensors)
        #expect(throws: ModelLoadError.wrongShape(
            name: "layers.2.mlp.Wi.weight", expected: [192, 64], actual: [96, 64], path: Self.weightsPath(directory))) {
            try ModernBertModel.load(directory: directory.url)
        }
    }

    /// A `ModernBertForMaskedLM` checkpoint (the model under `model.`, plus its MLM head) loads
    /// the same encoder.
    @Test func aMaskedLanguageModelCheckpointLoads() throws {
        let tensors = try Self.fixtureTensors().map { ("model." + $0.name, $0.shape, $0.values) }
            + [("head.dense.weight", [64, 64], [Float](repeating: 0, count: 64 * 64)), ("decoder.bias", [960], [Float](repeating: 0, count: 960))]
        let directory = try Self.folder(tensors: tensors)
        let model = try ModernBertModel.load(directory: directory.url)
        let reference = try ModernBertModel.load(directory: Self.fixture)
        let ids: [[Int32]] = [[927, 5, 17, 300, 928]]
        #expect(model(ids).values == reference(ids).values)
    }

    @Test(arguments: [
        (#""hidden_activation": "swish""#, "hidden_activation"),
        (#""layer_types": ["full_attention"]"#, "layer_types"),
        (#""layer_types": ["full_attention", "local", "sliding_attention", "full_attention"]"#, "local"),
        (#""rope_parameters": {"full_attention": {"rope_theta": 1000.0, "rope_type": "yarn"}}"#, "yarn"),
        (#""rope_scaling": {"type": "linear", "factor": 2.0}"#, "rope_scaling"),
        (#""num_attention_heads": 5"#, "num_attention_heads"),
    ])
    func unsupportedConfigsAreErrors(entry: String, named: String) throws {
        // The fixture's config with `entry` set over it.
        let original = try Data(contentsOf: Self.fixture.appendingPathComponent("config.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        let replacement = try #require(try JSONSerialization.jsonObject(with: Data("{\(entry)}".utf8)) as? [String: Any])
        object.merge(replacement) { $1 }
        let config = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let directory = try Self.folder(tensors: Self.fixtureTensors(), config: config)
        do throws(ModelLoadError) {
            _ = try ModernBertModel.load(directory: directory.url)
            Issue.record("\(entry) was accepted")
        } catch {
            guard case .invalidConfig(_, let reason) = error else {
                Issue.record("\(entry): expected invalidConfig, got \(error)")
                return
            }
            #expect(reason.contains(named), "\(reason)")
        }
    }

    /// Configs written before transformers 5 have no layer_types or rope_parameters.
    @Test func olderConfigKeysAreRead() throws {
        let directory = try TemporaryDirectory()
        try directory.write("config.json", """
            {"model_type": "modernbert", "num_hidden_layers": 7, "global_attn_every_n_layers": 3,
             "global_rope_theta": 80000.0, "local_rope_theta": 5000.0, "local_attention": 9}
            """)
        let config = try ModernBertConfig.load(url: directory.url.appendingPathComponent("config.json"))
        let types = try config.resolvedLayerTypes(configPath: "config.json")
        #expect(types == [.fullAttention, .slidingAttention, .slidingAttention, .fullAttention, .slidingAttention, .slidingAttention, .fullAttention])
        #expect(try config.ropeTheta(for: .fullAttention, configPath: "") == 80000)
        #expect(try config.ropeTheta(for: .slidingAttention, configPath: "") == 5000)
        #expect(config.slidingWindow == 4)
        // Everything else keeps transformers' defaults (ModernBERT-base).
        #expect(config.hiddenSize == 768 && config.intermediateSize == 1152 && config.numAttentionHeads == 12)
        #expect(config.vocabSize == 50368 && config.maxPositionEmbeddings == 8192 && config.normEps == 1e-5)
        #expect(!config.normBias && !config.attentionBias && !config.mlpBias && config.hiddenActivation == "gelu")
        let defaults = ModernBertConfig()
        #expect(try defaults.ropeTheta(for: .fullAttention, configPath: "") == 160_000)
        #expect(try defaults.ropeTheta(for: .slidingAttention, configPath: "") == 10_000)
        #expect(defaults.slidingWindow == 64)
        #expect(try defaults.resolvedLayerTypes(configPath: "").count == 22)
    }

    @Test func theFixtureConfigIsReadFromRopeParameters() throws {
        let config = try ModernBertConfig.load(url: Self.fixture.appendingPathComponent("config.json"))
        #expect(try config.ropeTheta(for: .fullAttention, configPath: "") == 160_000)
        #expect(try config.ropeTheta(for: .slidingAttention, configPath: "") == 10_000)
        #expect(config.localAttention == 8 && config.intermediateSize == 96 && config.hiddenSize == 64)
    }
}
