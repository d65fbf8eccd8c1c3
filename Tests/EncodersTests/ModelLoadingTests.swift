import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Broken model folders give errors that name the file or tensor, never a crash.
@Suite struct ModelLoadingTests {
    @Test func missingWeightsNameTheFile() throws {
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        try folder.remove("model.safetensors")
        #expect(throws: ModelLoadError.missingFile(path: folder.url.appendingPathComponent("model.safetensors").path)) {
            try ModelBundle.load(directory: folder.url)
        }
    }

    @Test func missingFolderAndUnknownArchitecture() throws {
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: URL(fileURLWithPath: "/nonexistent/model")) }
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        try folder.write("config.json", #"{"model_type": "llama"}"#)
        do {
            _ = try ModelBundle.load(directory: folder.url)
            Issue.record("llama loaded")
        } catch {
            #expect(error.description.contains("llama"))
        }
    }

    @Test func truncatedSafetensorsIsRejected() throws {
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        let original = try Data(contentsOf: Fixtures.defaultModel.appendingPathComponent("model.safetensors"))
        try folder.remove("model.safetensors")
        try original.prefix(original.count / 2).write(to: folder.url.appendingPathComponent("model.safetensors"))
        do {
            _ = try ModelBundle.load(directory: folder.url)
            Issue.record("a truncated file loaded")
        } catch {
            guard case .malformedSafetensors(let path, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(path.hasSuffix("model.safetensors") && reason.contains("truncated"))
        }
        for size in [0, 5, 8, 100] {
            try original.prefix(size).write(to: folder.url.appendingPathComponent("model.safetensors"))
            #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: folder.url) }
        }
    }

    @Test func wrongShapeNamesTheTensor() throws {
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        let file = try SafetensorsFile(url: Fixtures.defaultModel.appendingPathComponent("model.safetensors"))
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for name in file.names.sorted() where file.entries[name]!.dtype == "F32" {
            var tensor = try file.tensor(name, shape: nil)
            if name == "encoder.layer.2.intermediate.dense.weight" { tensor = tensor.reshaped([768, 768]) }
            tensors.append((name, tensor.shape, tensor.storage))
        }
        try folder.remove("model.safetensors")
        try SafetensorsWriter.write(tensors, to: folder.url.appendingPathComponent("model.safetensors"))
        #expect(throws: ModelLoadError.wrongShape(
            name: "encoder.layer.2.intermediate.dense.weight", expected: [1536, 384], actual: [768, 768],
            path: folder.url.appendingPathComponent("model.safetensors").path)) {
            try ModelBundle.load(directory: folder.url)
        }
    }

    @Test func missingAndUnexpectedTensorsAreErrors() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("weights.safetensors")
        try SafetensorsWriter.write([("a.weight", [2, 2], [1, 2, 3, 4]), ("stray", [1], [0])], to: url)
        let loader = WeightLoader(file: try SafetensorsFile(url: url))
        #expect(try loader.tensor("a.weight", shape: [2, 2]).storage == [1, 2, 3, 4])
        #expect(throws: ModelLoadError.missingTensor(name: "b.weight", path: url.path)) {
            try loader.tensor("b.weight", shape: [2])
        }
        #expect(throws: ModelLoadError.unexpectedTensors(names: ["stray"], path: url.path)) {
            try loader.checkAllUsed(ignoring: { _ in false })
        }
    }

    @Test func pipelineReadsPoolingNormalizeAndLength() throws {
        let pipeline = try SentenceTransformerPipeline.load(directory: Fixtures.defaultModel)
        #expect(pipeline.pooling == .mean && pipeline.normalize && pipeline.maxSequenceLength == 256)
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        try folder.write("modules.json", #"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Dense"}]"#)
        #expect(throws: ModelLoadError.self) { try SentenceTransformerPipeline.load(directory: folder.url) }
    }
}
