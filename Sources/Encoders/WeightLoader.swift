import EmbeddingKernels

/// Fetches a model's tensors by module path and remembers which it used, so that loading can be
/// strict: a missing or misshapen tensor fails where it is fetched, and tensors nobody fetched
/// fail at the end (a checkpoint of another architecture, or a half-converted one).
///
/// Module paths are built as candle's `VarBuilder` does: `loader.scoped("encoder.layer.0")`.
public final class WeightLoader {
    private let file: SafetensorsFile
    private let prefix: String
    private let record: UsageRecord

    /// Tensors fetched so far, shared by every scoped loader of one file.
    private final class UsageRecord { var used: Set<String> = [] }

    public init(file: SafetensorsFile, prefix: String = "") {
        self.file = file
        self.prefix = prefix
        self.record = UsageRecord()
    }

    private init(file: SafetensorsFile, prefix: String, record: UsageRecord) {
        self.file = file
        self.prefix = prefix
        self.record = record
    }

    /// A loader whose names are relative to `component` below this one.
    public func scoped(_ component: String) -> WeightLoader {
        WeightLoader(file: file, prefix: qualified(component), record: record)
    }

    /// Whether `name` (relative to this scope) exists.
    public func contains(_ name: String) -> Bool { file.entries[qualified(name)] != nil }

    /// The tensor `name` relative to this scope, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(ModelLoadError) -> Tensor {
        let full = qualified(name)
        let tensor = try file.tensor(full, shape: shape)
        record.used.insert(full)
        return tensor
    }

    /// A `Linear` layer's `weight [out, in]` and `bias [out]` (bias optional when `bias` is false).
    public func linear(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws(ModelLoadError) -> Linear {
        let scope = scoped(name)
        return Linear(
            weight: try scope.tensor("weight", shape: [outFeatures, inFeatures]),
            bias: bias ? try scope.tensor("bias", shape: [outFeatures]) : nil)
    }

    /// A `LayerNorm`'s `weight` and `bias` of `width`.
    public func layerNorm(_ name: String, width: Int, epsilon: Float) throws(ModelLoadError) -> LayerNormWeights {
        let scope = scoped(name)
        return LayerNormWeights(
            gamma: try scope.tensor("weight", shape: [width]), beta: try scope.tensor("bias", shape: [width]),
            epsilon: epsilon)
    }

    /// Fails when the file holds tensors that were never fetched, apart from those `ignoring`
    /// accepts (buffers such as `position_ids`, heads a pipeline does not run).
    public func checkAllUsed(ignoring: (String) -> Bool) throws(ModelLoadError) {
        let unused = file.names.filter { !record.used.contains($0) && !ignoring($0) }.sorted()
        if !unused.isEmpty { throw .unexpectedTensors(names: unused, path: file.path) }
    }

    private func qualified(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}
