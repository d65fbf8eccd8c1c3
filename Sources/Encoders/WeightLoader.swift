import EmbeddingKernels

/// Fetches a model's tensors by module path and remembers which it used, so that loading can be
/// strict: a missing or misshapen tensor fails where it is fetched, and tensors nobody fetched
/// fail at the end (a checkpoint of another architecture, or a half-converted one).
///
/// Module paths are built as candle's `VarBuilder` does: `loader.scoped("encoder.layer.0")`.
public final class WeightLoader {
    private let file: any TensorSource
    private let prefix: String
    private let record: UsageRecord
    /// The precision of the layers ``linear(_:inFeatures:outFeatures:bias:)`` builds; scoped
    /// loaders inherit it. Layers an architecture builds itself (patch embeddings, which read
    /// raw pixels) stay float32.
    public let computePrecision: ComputePrecision

    /// Tensors fetched so far, shared by every scoped loader of one file.
    private final class UsageRecord { var used: Set<String> = [] }

    public init(file: any TensorSource, prefix: String = "", computePrecision: ComputePrecision = .float32) {
        self.file = file
        self.prefix = prefix
        self.record = UsageRecord()
        self.computePrecision = computePrecision
    }

    private init(file: any TensorSource, prefix: String, record: UsageRecord, computePrecision: ComputePrecision) {
        self.file = file
        self.prefix = prefix
        self.record = record
        self.computePrecision = computePrecision
    }

    /// A loader whose names are relative to `component` below this one.
    public func scoped(_ component: String) -> WeightLoader {
        WeightLoader(file: file, prefix: qualified(component), record: record, computePrecision: computePrecision)
    }

    /// Whether `name` (relative to this scope) exists.
    public func contains(_ name: String) -> Bool { file.names.contains(qualified(name)) }

    /// The scope below this one under which `name` is stored, when exactly one tensor's name is
    /// `name` or ends in `.name`: for checkpoints that nest the same module under different
    /// prefixes (ColModernVBERT's adapters). Nil when no tensor, or several, match.
    public func scope(holding name: String) -> WeightLoader? {
        let full = qualified(name)
        let matches = file.names.filter { $0 == full || $0.hasSuffix(".\(full)") }
        guard matches.count == 1, let match = matches.first else { return nil }
        // What precedes the match (without its dot), then this loader's own prefix.
        let outer = String(match.dropLast(full.count).dropLast())
        let scope = [outer, prefix].filter { !$0.isEmpty }.joined(separator: ".")
        return WeightLoader(file: file, prefix: scope, record: record, computePrecision: computePrecision)
    }

    /// The stored shape of `name` (relative to this scope), for sizes a config does not give
    /// (a head's width); nil when absent. Reading it does not count as using the tensor.
    public func shape(of name: String) -> [Int]? { file.shape(of: qualified(name)) }

    /// The file (or source) the tensors come from, for error messages.
    public var path: String { file.path }

    /// The tensor `name` relative to this scope, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(ModelLoadError) -> Tensor {
        let full = qualified(name)
        let tensor = try file.tensor(full, shape: shape)
        record.used.insert(full)
        return tensor
    }

    /// A `Linear` layer's `weight [out, in]` and `bias [out]` (bias optional when `bias` is
    /// false), packed at ``computePrecision``.
    public func linear(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws(ModelLoadError) -> Linear {
        let scope = scoped(name)
        return Linear(
            weight: try scope.tensor("weight", shape: [outFeatures, inFeatures]),
            bias: bias ? try scope.tensor("bias", shape: [outFeatures]) : nil, precision: computePrecision)
    }

    /// A `LayerNorm`'s `weight` and `bias` of `width`. With `bias` false (`nn.LayerNorm(...,
    /// bias=False)`, ModernBERT) the file must hold no bias and the shift is zero.
    public func layerNorm(_ name: String, width: Int, epsilon: Float, bias: Bool = true) throws(ModelLoadError) -> LayerNormWeights {
        let scope = scoped(name)
        return LayerNormWeights(
            gamma: try scope.tensor("weight", shape: [width]),
            beta: bias ? try scope.tensor("bias", shape: [width]) : Tensor(shape: [width]),
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

/// Where a ``WeightLoader`` gets tensors: a safetensors file, or random weights for benchmarks.
public protocol TensorSource: Sendable {
    /// Names of every tensor the source holds (empty for sources that make tensors on demand).
    var names: [String] { get }
    /// For error messages: the file, or a description of the source.
    var path: String { get }
    /// Tensor `name`, which must have `shape` (nil accepts any).
    func tensor(_ name: String, shape: [Int]?) throws(ModelLoadError) -> Tensor
    /// The stored shape of tensor `name`, or nil when the source does not hold it.
    func shape(of name: String) -> [Int]?
}

extension SafetensorsFile: TensorSource {
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }
}

/// Makes any requested tensor from a seeded generator: an architecture with random weights, to
/// benchmark it without a checkpoint. Values are small (±0.02) like an initialised model, so
/// activations stay finite through every layer.
public struct RandomTensorSource: TensorSource {
    public let seed: UInt64

    public init(seed: UInt64 = 42) { self.seed = seed }

    public var names: [String] { [] }
    public var path: String { "random weights (seed \(seed))" }
    public func shape(of name: String) -> [Int]? { nil }

    public func tensor(_ name: String, shape: [Int]?) throws(ModelLoadError) -> Tensor {
        guard let shape else { throw .missingTensor(name: name, path: path) }
        var state = seed ^ UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1) })
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            // SplitMix64, mapped to [-0.02, 0.02).
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            values[i] = (Float(z >> 40) / Float(1 << 24) - 0.5) * 0.04
        }
        return Tensor(shape: shape, storage: values)
    }
}
