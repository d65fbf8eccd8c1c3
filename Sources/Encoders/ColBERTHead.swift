import EmbeddingKernels
import Foundation

/// The multi-vector head of a ColBERT-style model: a linear layer from the backbone's hidden size
/// to the late-interaction width (128 in ColBERT), without bias, applied to every token.
///
/// PyLate saves it as a sentence-transformers `Dense` module (modules.json type
/// `pylate.models.Dense.Dense` or `sentence_transformers.models.Dense`, folder `1_Dense/` with
/// `config.json` and `model.safetensors` holding `linear.weight [out, in]`); Stanford checkpoints
/// keep `linear.weight` in the main model.safetensors.
struct ColBERTHead: Sendable {
    let linear: Linear

    /// Loads a sentence-transformers `Dense` module folder. Only the identity activation is
    /// accepted: any other would change every vector if ignored.
    static func load(denseFolder: URL, hiddenSize: Int) throws(ModelLoadError) -> ColBERTHead {
        let configURL = denseFolder.appendingPathComponent("config.json")
        let config = try JSONFile.object(at: configURL)
        guard let inFeatures = config["in_features"] as? Int, let outFeatures = config["out_features"] as? Int else {
            throw .invalidConfig(path: configURL.path, reason: "in_features and out_features are required")
        }
        guard inFeatures == hiddenSize else {
            throw .invalidConfig(path: configURL.path, reason: "in_features \(inFeatures) differs from the model's hidden_size \(hiddenSize)")
        }
        let activation = config["activation_function"] as? String ?? "torch.nn.modules.linear.Identity"
        guard activation.hasSuffix(".Identity") else {
            throw .invalidConfig(path: configURL.path, reason: "activation_function '\(activation)' is not supported (only Identity)")
        }
        if (config["use_residual"] as? Bool) == true {
            throw .invalidConfig(path: configURL.path, reason: "use_residual is not supported")
        }
        let bias = config["bias"] as? Bool ?? true
        let file = try SafetensorsFile(url: denseFolder.appendingPathComponent("model.safetensors"))
        let loader = WeightLoader(file: file)
        let linear = try loader.linear("linear", inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
        try loader.checkAllUsed { _ in false }
        return ColBERTHead(linear: linear)
    }

    var dimension: Int { linear.outFeatures }

    /// Projects `rows` of the hidden states and L2-normalises each result.
    func project(_ hidden: Tensor, rows: [Int]) -> [[Float]] {
        guard !rows.isEmpty else { return [] }
        let width = hidden.columns
        var gathered = [Float](repeating: 0, count: rows.count * width)
        for (slot, row) in rows.enumerated() {
            gathered.replaceSubrange(slot * width ..< (slot + 1) * width, with: hidden.row(row))
        }
        var output = [Float](repeating: 0, count: rows.count * dimension)
        gathered.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                linear(input.baseAddress!, rows: rows.count, into: out.baseAddress!)
            }
        }
        return (0 ..< rows.count).map { VectorMath.normalized(Array(output[$0 * dimension ..< ($0 + 1) * dimension])) }
    }
}
