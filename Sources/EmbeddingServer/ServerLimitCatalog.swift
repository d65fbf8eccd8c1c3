import WireProtocol

/// One limit of the server, described once: its name, what it bounds, the smallest value it
/// takes, where it lives in ``ServerConfiguration`` and which field of the wire protocol's
/// `Limits` reports it. `multiembed serve` takes its flag, help and default from here,
/// ``ServerConfiguration/validate()`` checks it, and Info reports it, so none of them can drift
/// from the others.
public struct ServerLimitDescriptor: Sendable {
    /// Where the value is kept, and in what unit.
    public enum Value: Sendable {
        /// A count or a size, as written.
        case integer(any WritableKeyPath<ServerConfiguration, Int> & Sendable)
        /// A time span; the command line gives it in seconds, the wire in milliseconds.
        case duration(any WritableKeyPath<ServerConfiguration, Duration> & Sendable)
    }

    /// The `multiembed serve` flag, without its dashes ("max-patches").
    public let flag: String
    /// One sentence for `--help`.
    public let help: String
    public let value: Value
    /// The smallest value accepted; 0 means "no limit" or "never" where ``zeroMeans`` says so.
    public let minimum: Int
    /// What 0 means when it is accepted (for the help and the error), or nil.
    public let zeroMeans: String?
    /// Writes the value (in the wire's unit) into Info's `Limits`; nil for limits not on the wire.
    let wireField: (@Sendable (inout Multiembed_V1_Limits, Int) -> Void)?

    /// The value in `configuration`, in the unit of the wire: counts as they are, durations in
    /// milliseconds.
    public func wireValue(in configuration: ServerConfiguration) -> Int {
        switch value {
        case .integer(let keyPath): configuration[keyPath: keyPath]
        case .duration(let keyPath): Self.milliseconds(configuration[keyPath: keyPath])
        }
    }

    /// The default, from a fresh ``ServerConfiguration``: durations in seconds.
    public var defaultValue: Double {
        switch value {
        case .integer(let keyPath): Double(ServerConfiguration()[keyPath: keyPath])
        case .duration(let keyPath): Double(Self.milliseconds(ServerConfiguration()[keyPath: keyPath])) / 1000
        }
    }

    /// Sets the limit from a command-line value (durations in seconds), refusing one below
    /// ``minimum`` with a message that names the flag.
    public func set(_ given: Double, in configuration: inout ServerConfiguration) throws(ServerLimitError) {
        guard given.isFinite, given >= Double(minimum), given <= Double(Int32.max) * 1000 else {
            let floor = minimum == 0 ? "0" + (zeroMeans.map { " (\($0))" } ?? "") + " or more" : "at least \(minimum)"
            throw ServerLimitError(message: "--\(flag) must be \(floor), got \(given)")
        }
        switch value {
        case .integer(let keyPath):
            guard given == given.rounded() else { throw ServerLimitError(message: "--\(flag) must be a whole number, got \(given)") }
            configuration[keyPath: keyPath] = Int(given)
        case .duration(let keyPath):
            configuration[keyPath: keyPath] = .milliseconds(Int((given * 1000).rounded()))
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// A limit given a value it does not take.
public struct ServerLimitError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension ServerLimitDescriptor {
    private static func integer(
        _ flag: String, _ keyPath: any WritableKeyPath<ServerConfiguration, Int> & Sendable, minimum: Int = 1,
        zeroMeans: String? = nil, wire: (@Sendable (inout Multiembed_V1_Limits, Int) -> Void)?, help: String
    ) -> Self {
        Self(flag: flag, help: help, value: .integer(keyPath), minimum: minimum, zeroMeans: zeroMeans, wireField: wire)
    }

    private static func duration(
        _ flag: String, _ keyPath: any WritableKeyPath<ServerConfiguration, Duration> & Sendable, minimum: Int,
        zeroMeans: String? = nil, wire: (@Sendable (inout Multiembed_V1_Limits, Int) -> Void)?, help: String
    ) -> Self {
        Self(flag: flag, help: help, value: .duration(keyPath), minimum: minimum, zeroMeans: zeroMeans, wireField: wire)
    }

    public static let maxFrameBytes = integer(
        "max-frame-bytes", \.limits.maxFrameBytes, wire: { $0.maxFrameBytes = UInt32(clamping: $1) },
        help: "Longest frame, in bytes.")
    public static let maxResponseBytes = integer(
        "max-response-bytes", \.limits.maxResponseBytes, wire: { $0.maxResponseBytes = UInt64(clamping: $1) },
        help: "Largest response an Embed request may produce, in bytes (estimated before computing).")
    public static let maxAnswerBytesPerConnection = integer(
        "max-answer-bytes-per-connection", \.limits.maxAnswerBytesPerConnection,
        wire: { $0.maxAnswerBytesPerConnection = UInt64(clamping: $1) },
        help: "Most bytes of answers one connection may hold, computed or not yet read (requests past it wait).")
    public static let maxInputsPerRequest = integer(
        "max-inputs-per-request", \.limits.maxInputsPerRequest, wire: { $0.maxInputsPerRequest = UInt32(clamping: $1) },
        help: "Most inputs in one request.")
    public static let maxTextBytes = integer(
        "max-text-bytes", \.limits.maxTextBytes, wire: { $0.maxTextBytes = UInt32(clamping: $1) },
        help: "Longest text input, in UTF-8 bytes.")
    public static let maxImageBytes = integer(
        "max-image-bytes", \.limits.maxImageBytes, wire: { $0.maxImageBytes = UInt32(clamping: $1) },
        help: "Largest image file, in bytes.")
    public static let maxImagePixels = integer(
        "max-image-pixels", \.limits.maxImagePixels, wire: { $0.maxImagePixels = UInt64(clamping: $1) },
        help: "Most pixels (width x height) of one image.")
    public static let maxPatches = integer(
        "max-patches", \.limits.maxPatches, wire: { $0.maxPatches = UInt32(clamping: $1) },
        help: "Most patches (rows x cols) of one image, given as patches or cut from its pixels.")
    public static let maxTiles = integer(
        "max-tiles", \.limits.maxTiles, wire: nil,
        help: "Most tiles one image or page may become in a tiling model (ColModernVBERT), the global image included.")
    public static let maxConnections = integer(
        "max-connections", \.limits.maxConnections, wire: { $0.maxConnections = UInt32(clamping: $1) },
        help: "Most open connections.")
    public static let maxConnectionsPerAddress = integer(
        "max-connections-per-address", \.limits.maxConnectionsPerAddress, minimum: 0, zeroMeans: "no such limit",
        wire: { $0.maxConnectionsPerAddress = UInt32(clamping: $1) },
        help: "Most open connections from one client IP address (0: no such limit).")
    public static let maxFailedAuthentications = integer(
        "max-failed-authentications", \.limits.maxFailedAuthenticationsPerConnection,
        wire: { $0.maxFailedAuthentications = UInt32(clamping: $1) },
        help: "Requests answered UNAUTHENTICATED on one connection before it is closed.")
    public static let maxInFlightPerConnection = integer(
        "max-in-flight-per-connection", \.limits.maxInFlightPerConnection,
        wire: { $0.maxInFlightPerConnection = UInt32(clamping: $1) },
        help: "Most requests in flight on one connection.")
    public static let maxQueuedInputs = integer(
        "max-queued-inputs", \.limits.maxQueuedInputsPerModel, wire: nil,
        help: "Most inputs queued per model; beyond it requests get RESOURCE_EXHAUSTED.")
    public static let maxVectorsPerDocument = integer(
        "max-vectors-per-document", \.limits.maxVectorsPerDocument, wire: { $0.maxVectorsPerDocument = UInt32(clamping: $1) },
        help: "Most vectors in one document or query of Upsert, Search and Score.")
    public static let maxTopK = integer(
        "max-top-k", \.limits.maxTopK, wire: { $0.maxTopK = UInt32(clamping: $1) },
        help: "Largest top_k of a Search.")
    public static let frameTimeout = duration(
        "frame-timeout", \.limits.frameTimeout, minimum: 1, wire: { $0.frameTimeoutMs = UInt32(clamping: $1) },
        help: "Seconds one frame (or HTTP request) may take to arrive once started, and a TLS handshake to complete once connected.")
    public static let idleTimeout = duration(
        "idle-timeout", \.limits.idleTimeout, minimum: 0, zeroMeans: "never",
        wire: { $0.idleTimeoutMs = UInt32(clamping: $1) },
        help: "Seconds a connection may stay idle (nothing in flight, read or answered) before it is closed; 0: never.")
    public static let maxBatchInputs = integer(
        "max-batch-inputs", \.batching.maxBatchInputs, wire: nil, help: "Most inputs per model batch.")
    public static let maxBatchTokens = integer(
        "max-batch-tokens", \.batching.maxBatchTokens, wire: { $0.maxBatchTokens = UInt32(clamping: $1) },
        help: "Most text tokens per model batch.")
    public static let maxBatchPatches = integer(
        "max-batch-patches", \.batching.maxBatchPatches, wire: nil, help: "Most image patches per model batch.")

    /// Every limit, in the order `--help` lists them.
    public static let all: [ServerLimitDescriptor] = [
        maxFrameBytes, maxResponseBytes, maxAnswerBytesPerConnection, maxInputsPerRequest, maxTextBytes, maxImageBytes,
        maxImagePixels, maxPatches, maxTiles, maxConnections, maxConnectionsPerAddress, maxFailedAuthentications,
        maxInFlightPerConnection, maxQueuedInputs, maxVectorsPerDocument, maxTopK, frameTimeout, idleTimeout,
        maxBatchInputs, maxBatchTokens, maxBatchPatches,
    ]
}

extension ServerConfiguration {
    /// The limits as Info reports them.
    var wireLimits: Multiembed_V1_Limits {
        var limits = Multiembed_V1_Limits()
        for descriptor in ServerLimitDescriptor.all {
            descriptor.wireField?(&limits, descriptor.wireValue(in: self))
        }
        return limits
    }

    /// Checks every limit against its descriptor's floor; the first one out of range is the
    /// error (named by its flag).
    public func validate() throws(ServerLimitError) {
        for descriptor in ServerLimitDescriptor.all {
            var copy = self
            try descriptor.set(
                descriptor.value.isDuration
                    ? Double(descriptor.wireValue(in: self)) / 1000 : Double(descriptor.wireValue(in: self)),
                in: &copy)
        }
        guard limits.maxFrameBytes <= Int(UInt32.max) else {
            throw ServerLimitError(message: "--max-frame-bytes must be at most \(UInt32.max)")
        }
    }
}

extension ServerLimitDescriptor.Value {
    var isDuration: Bool { if case .duration = self { true } else { false } }
}
