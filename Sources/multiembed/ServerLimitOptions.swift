import ArgumentParser
import EmbeddingServer

private typealias Limit = ServerLimitDescriptor

/// The server's limits as `multiembed serve` flags. Each flag's name, help, default and floor
/// come from its ``ServerLimitDescriptor``, the one place a limit is described; unset flags
/// keep the descriptor's default.
struct ServerLimitOptions: ParsableArguments {
    @Option(name: .customLong(Limit.maxFrameBytes.flag), help: .limit(Limit.maxFrameBytes)) var maxFrameBytes: Double?
    @Option(name: .customLong(Limit.maxResponseBytes.flag), help: .limit(Limit.maxResponseBytes)) var maxResponseBytes: Double?
    @Option(name: .customLong(Limit.maxAnswerBytesPerConnection.flag), help: .limit(Limit.maxAnswerBytesPerConnection)) var maxAnswerBytesPerConnection: Double?
    @Option(name: .customLong(Limit.maxInputsPerRequest.flag), help: .limit(Limit.maxInputsPerRequest)) var maxInputsPerRequest: Double?
    @Option(name: .customLong(Limit.maxTextBytes.flag), help: .limit(Limit.maxTextBytes)) var maxTextBytes: Double?
    @Option(name: .customLong(Limit.maxImageBytes.flag), help: .limit(Limit.maxImageBytes)) var maxImageBytes: Double?
    @Option(name: .customLong(Limit.maxImagePixels.flag), help: .limit(Limit.maxImagePixels)) var maxImagePixels: Double?
    @Option(name: .customLong(Limit.maxPatches.flag), help: .limit(Limit.maxPatches)) var maxPatches: Double?
    @Option(name: .customLong(Limit.maxTiles.flag), help: .limit(Limit.maxTiles)) var maxTiles: Double?
    @Option(name: .customLong(Limit.maxConnections.flag), help: .limit(Limit.maxConnections)) var maxConnections: Double?
    @Option(name: .customLong(Limit.maxConnectionsPerAddress.flag), help: .limit(Limit.maxConnectionsPerAddress)) var maxConnectionsPerAddress: Double?
    @Option(name: .customLong(Limit.maxFailedAuthentications.flag), help: .limit(Limit.maxFailedAuthentications)) var maxFailedAuthentications: Double?
    @Option(name: .customLong(Limit.maxInFlightPerConnection.flag), help: .limit(Limit.maxInFlightPerConnection)) var maxInFlightPerConnection: Double?
    @Option(name: .customLong(Limit.maxQueuedInputs.flag), help: .limit(Limit.maxQueuedInputs)) var maxQueuedInputs: Double?
    @Option(name: .customLong(Limit.maxVectorsPerDocument.flag), help: .limit(Limit.maxVectorsPerDocument)) var maxVectorsPerDocument: Double?
    @Option(name: .customLong(Limit.maxTopK.flag), help: .limit(Limit.maxTopK)) var maxTopK: Double?
    @Option(name: .customLong(Limit.frameTimeout.flag), help: .limit(Limit.frameTimeout)) var frameTimeout: Double?
    @Option(name: .customLong(Limit.idleTimeout.flag), help: .limit(Limit.idleTimeout)) var idleTimeout: Double?
    @Option(name: .customLong(Limit.maxBatchInputs.flag), help: .limit(Limit.maxBatchInputs)) var maxBatchInputs: Double?
    @Option(name: .customLong(Limit.maxBatchTokens.flag), help: .limit(Limit.maxBatchTokens)) var maxBatchTokens: Double?
    @Option(name: .customLong(Limit.maxBatchPatches.flag), help: .limit(Limit.maxBatchPatches)) var maxBatchPatches: Double?

    /// Refuses a flag out of its limit's range before anything is loaded.
    func validate() throws {
        var trial = ServerConfiguration()
        try apply(to: &trial)
    }

    /// Sets every given flag in `configuration`; a value below its limit's floor is refused
    /// with the flag's name.
    func apply(to configuration: inout ServerConfiguration) throws {
        let given: [(ServerLimitDescriptor, Double?)] = [
            (Limit.maxFrameBytes, maxFrameBytes),
            (Limit.maxResponseBytes, maxResponseBytes),
            (Limit.maxAnswerBytesPerConnection, maxAnswerBytesPerConnection),
            (Limit.maxInputsPerRequest, maxInputsPerRequest),
            (Limit.maxTextBytes, maxTextBytes),
            (Limit.maxImageBytes, maxImageBytes),
            (Limit.maxImagePixels, maxImagePixels),
            (Limit.maxPatches, maxPatches),
            (Limit.maxTiles, maxTiles),
            (Limit.maxConnections, maxConnections),
            (Limit.maxConnectionsPerAddress, maxConnectionsPerAddress),
            (Limit.maxFailedAuthentications, maxFailedAuthentications),
            (Limit.maxInFlightPerConnection, maxInFlightPerConnection),
            (Limit.maxQueuedInputs, maxQueuedInputs),
            (Limit.maxVectorsPerDocument, maxVectorsPerDocument),
            (Limit.maxTopK, maxTopK),
            (Limit.frameTimeout, frameTimeout),
            (Limit.idleTimeout, idleTimeout),
            (Limit.maxBatchInputs, maxBatchInputs),
            (Limit.maxBatchTokens, maxBatchTokens),
            (Limit.maxBatchPatches, maxBatchPatches),
        ]
        for case (let limit, let value?) in given {
            do {
                try limit.set(value, in: &configuration)
            } catch {
                throw ValidationError(error.message)
            }
        }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }
}

extension ArgumentHelp {
    /// A limit's help with its default.
    fileprivate static func limit(_ limit: ServerLimitDescriptor) -> ArgumentHelp {
        let value = limit.defaultValue
        let shown = value == value.rounded() ? String(Int(value)) : String(value)
        return ArgumentHelp("\(limit.help) (default: \(shown))", valueName: limit.value.isDurationFlag ? "seconds" : "n")
    }
}

extension ServerLimitDescriptor.Value {
    fileprivate var isDurationFlag: Bool { if case .duration = self { true } else { false } }
}
