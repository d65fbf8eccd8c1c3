internal import WireProtocol

/// What a server runs and accepts (the answer to ``EmbeddingClient/info()``), so a caller can
/// pick a model, its prompts and dimensions, and size requests to the limits.
public struct ServerInfo: Sendable, Hashable {
    /// The server's version, such as "0.1.0".
    public var version: String
    /// The models served; the first is the default.
    public var models: [ModelInfo]
    /// The server's limits (0 = no limit).
    public var limits: Limits
}

/// One model a server serves.
public struct ModelInfo: Sendable, Hashable {
    /// The name for ``EmbedOptions/model``.
    public var name: String
    /// The architecture as config.json names it, such as "bert" or "clip".
    public var architecture: String
    /// Values of a pooled vector.
    public var dimension: Int
    /// Values of each token or patch vector; 0 = no multi-vector output.
    public var tokenDimension: Int
    /// The values ``EmbedOptions/dimensions`` accepts.
    public var allowedDimensions: [Int]
    /// Prompt name to the text it prepends.
    public var prompts: [String: String]
    /// The prompt applied when none is asked; empty = none.
    public var defaultPromptName: String
    /// The kinds of input the model takes.
    public var inputKinds: [InputKind]
    /// Most tokens of one text (longer texts follow the truncate policy); 0 without text input.
    public var maxInputTokens: Int
    /// Side of a square patch in pixels; 0 without image input.
    public var patchSize: Int
    /// Side of the square images are resized to; 0 without image input.
    public var imageSize: Int
    /// Whether pooled vectors are normalised by default.
    public var normalizes: Bool
    /// Per-channel mean for building ``PatchGrid`` values.
    public var imageMean: [Float]
    /// Per-channel standard deviation for building ``PatchGrid`` values.
    public var imageStd: [Float]
    /// The arithmetic of the model's Linear layers (attention, normalisation and pooling are
    /// float32 at every precision).
    public var computePrecision: ComputePrecision

    /// How a model's Linear layers compute.
    public enum ComputePrecision: Sendable, Hashable {
        case float32
        /// Weights and activations rounded to bf16, float32 sums (cosine to float32 >= 0.999).
        case bf16
        /// Weights int8 per output channel, activations per row, int32 sums.
        case int8
        /// Not said (a server older than the field computes in float32), or a precision this
        /// client does not know, by its wire number.
        case unknown(Int)
    }

    /// A kind of input.
    public enum InputKind: Sendable, Hashable {
        case text, image, patches
        /// Page images and PDF pages, read into words and embedded by the text tower.
        case page
        /// A kind this client does not know, by its wire number.
        case unknown(Int)
    }
}

/// A server's limits on requests and connections; 0 = no limit.
public struct Limits: Sendable, Hashable {
    public var maxFrameBytes: Int
    public var maxInputsPerRequest: Int
    public var maxBatchTokens: Int
    public var maxTextBytes: Int
    public var maxImageBytes: Int
    public var maxImagePixels: Int
    public var maxPatches: Int
    public var maxConnections: Int
    /// Most vectors in one document or query of ``EmbeddingClient/upsert(_:into:options:)``,
    /// ``EmbeddingClient/search(_:in:topK:filterIDs:parameters:options:)`` and ``EmbeddingClient/score(query:documents:options:)``.
    public var maxVectorsPerDocument: Int
    /// Largest `topK` of a search.
    public var maxTopK: Int
    /// Largest embed response, in bytes, estimated before anything is computed.
    public var maxResponseBytes: Int = 0
    /// Most open connections from one client IP address.
    public var maxConnectionsPerAddress: Int = 0
    /// Most bytes of answers one connection may hold unread before its requests wait.
    public var maxAnswerBytesPerConnection: Int = 0
    /// How long a connection may stay idle before the server closes it (zero = never).
    public var idleTimeout: Duration = .zero
    /// Requests answered UNAUTHENTICATED on one connection before the server closes it.
    public var maxFailedAuthentications: Int = 0
    /// Requests of one connection worked on at once; more are answered RESOURCE_EXHAUSTED.
    public var maxInFlightPerConnection: Int = 0
    /// How long a frame may take to arrive from its first byte before the connection is closed.
    public var frameTimeout: Duration = .zero
}

/// Whether a server takes work now (the answer to ``EmbeddingClient/health()``).
public struct HealthStatus: Sendable, Hashable {
    /// The server's state.
    public var status: ServingStatus
    /// Inputs waiting for a model batch across all connections.
    public var queueDepth: Int

    public init(status: ServingStatus, queueDepth: Int) {
        self.status = status
        self.queueDepth = queueDepth
    }

    /// A server's serving state.
    public enum ServingStatus: Sendable, Hashable {
        /// Taking requests.
        case serving
        /// Up, but not taking embedding work (such as while loading models).
        case notServing
        /// Shutting down: move to another server.
        case draining
        /// A state this client does not know (or the never-sent 0), by its wire number.
        case unknown(Int)
    }
}

extension ServerInfo {
    init(_ wire: Multiembed_V1_InfoResponse) {
        self.version = wire.version
        self.models = wire.models.map(ModelInfo.init)
        let limits = wire.limits
        self.limits = Limits(
            maxFrameBytes: Int(limits.maxFrameBytes),
            maxInputsPerRequest: Int(limits.maxInputsPerRequest),
            maxBatchTokens: Int(limits.maxBatchTokens), maxTextBytes: Int(limits.maxTextBytes),
            maxImageBytes: Int(limits.maxImageBytes),
            maxImagePixels: Int(clamping: limits.maxImagePixels),
            maxPatches: Int(limits.maxPatches), maxConnections: Int(limits.maxConnections),
            maxVectorsPerDocument: Int(limits.maxVectorsPerDocument), maxTopK: Int(limits.maxTopK),
            maxResponseBytes: Int(clamping: limits.maxResponseBytes),
            maxConnectionsPerAddress: Int(limits.maxConnectionsPerAddress),
            maxAnswerBytesPerConnection: Int(clamping: limits.maxAnswerBytesPerConnection),
            idleTimeout: .milliseconds(Int64(limits.idleTimeoutMs)),
            maxFailedAuthentications: Int(limits.maxFailedAuthentications),
            maxInFlightPerConnection: Int(limits.maxInFlightPerConnection),
            frameTimeout: .milliseconds(Int64(limits.frameTimeoutMs)))
    }
}

extension ModelInfo {
    init(_ wire: Multiembed_V1_ModelInfo) {
        self.name = wire.name
        self.architecture = wire.architecture
        self.dimension = Int(wire.dimension)
        self.tokenDimension = Int(wire.tokenDimension)
        self.allowedDimensions = wire.allowedDimensions.map { Int($0) }
        self.prompts = wire.prompts
        self.defaultPromptName = wire.defaultPromptName
        self.inputKinds = wire.inputKinds.map { kind in
            switch kind {
            case .text: .text
            case .image: .image
            case .patches: .patches
            case .page: .page
            default: .unknown(kind.rawValue)
            }
        }
        self.maxInputTokens = Int(wire.maxInputTokens)
        self.patchSize = Int(wire.patchSize)
        self.imageSize = Int(wire.imageSize)
        self.normalizes = wire.normalizes
        self.imageMean = wire.imageMean
        self.imageStd = wire.imageStd
        self.computePrecision = switch wire.computePrecision {
        case .float32: .float32
        case .bf16: .bf16
        case .int8: .int8
        default: .unknown(wire.computePrecision.rawValue)
        }
    }
}

extension HealthStatus {
    init(_ wire: Multiembed_V1_HealthResponse) {
        switch wire.status {
        case .serving: self.status = .serving
        case .notServing: self.status = .notServing
        case .draining: self.status = .draining
        default: self.status = .unknown(wire.status.rawValue)
        }
        self.queueDepth = Int(wire.queueDepth)
    }
}
