import ArgumentParser
import EmbeddingServer
import Encoders
import Foundation
import LateInteraction
import Logging
import ServiceLifecycle

/// `multiembed serve`: the embedding server, until SIGTERM or SIGINT (then a graceful shutdown
/// and exit 0).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings over protobuf-framed TCP (see Protos/README.md).",
        discussion: "Prints 'listening on HOST:PORT' to stderr once bound; --port 0 picks a free port.")

    @Option(name: .long, help: "Model folder; repeat for several models (the first is the default).")
    var model: [String] = []

    @Option(name: .long, help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to bind (0: any free port).")
    var port = 7878

    @Option(name: .long, help: "File of accepted API keys, one per line ('#' starts a comment). Without it, no authentication.")
    var apiKeyFile: String?

    @Option(name: .long, help: "Port for Prometheus metrics (GET /metrics) on the same host. Without it, none.")
    var metricsPort: Int?

    @Option(name: .long, help: "Longest frame, in bytes.")
    var maxFrameBytes = ServerLimits().maxFrameBytes

    @Option(name: .long, help: "Largest response an Embed request may produce, in bytes (estimated before computing).")
    var maxResponseBytes = ServerLimits().maxResponseBytes

    @Option(name: .long, help: "Most bytes of answers one connection may hold, computed or not yet read (requests past it wait).")
    var maxAnswerBytesPerConnection = ServerLimits().maxAnswerBytesPerConnection

    @Option(name: .long, help: "Most inputs in one request.")
    var maxInputsPerRequest = ServerLimits().maxInputsPerRequest

    @Option(name: .long, help: "Longest text input, in UTF-8 bytes.")
    var maxTextBytes = ServerLimits().maxTextBytes

    @Option(name: .long, help: "Largest image file, in bytes.")
    var maxImageBytes = ServerLimits().maxImageBytes

    @Option(name: .long, help: "Most pixels (width x height) of one image.")
    var maxImagePixels = ServerLimits().maxImagePixels

    @Option(name: .long, help: "Most patches (rows x cols) of one Patches input.")
    var maxPatches = ServerLimits().maxPatches

    @Option(name: .long, help: "Most open connections.")
    var maxConnections = ServerLimits().maxConnections

    @Option(name: .long, help: "Most open connections from one client IP address (0: no such limit).")
    var maxConnectionsPerAddress = ServerLimits().maxConnectionsPerAddress

    @Option(name: .long, help: "Requests answered UNAUTHENTICATED on one connection before it is closed.")
    var maxFailedAuthentications = ServerLimits().maxFailedAuthenticationsPerConnection

    @Option(name: .long, help: "Most requests in flight on one connection.")
    var maxInFlightPerConnection = ServerLimits().maxInFlightPerConnection

    @Option(name: .long, help: "Most inputs queued per model; beyond it requests get RESOURCE_EXHAUSTED.")
    var maxQueuedInputs = ServerLimits().maxQueuedInputsPerModel

    @OptionGroup(title: "Pages") var reading: PageReadingOptions

    @Option(name: .long, help: "Folder of the late-interaction collections, shared with 'multiembed index' (one process at a time).")
    var dataDir = "./data"

    @Option(name: .long, help: "Most vectors in one document or query of Upsert, Search and Score.")
    var maxVectorsPerDocument = ServerLimits().maxVectorsPerDocument

    @Option(name: .long, help: "Largest top_k of a Search.")
    var maxTopK = ServerLimits().maxTopK

    @Option(name: .long, help: "Seconds one frame may take to arrive once started.")
    var frameTimeout: Double = 30

    @Option(name: .long, help: "Seconds a connection may stay idle (nothing in flight, read or answered) before it is closed; 0: never.")
    var idleTimeout: Double = 300

    @Option(name: .long, help: "Most inputs per model batch.")
    var maxBatchInputs = BatchingOptions().maxBatchInputs

    @Option(name: .long, help: "Most text tokens per model batch.")
    var maxBatchTokens = BatchingOptions().maxBatchTokens

    @Option(name: .long, help: "Most image patches per model batch.")
    var maxBatchPatches = BatchingOptions().maxBatchPatches

    @Option(name: .long, help: "Longest wait, in milliseconds, for a batch to fill.")
    var maxWaitMs: Double = 2

    @Option(name: .long, help: "Seconds in-flight work may take to finish after SIGTERM/SIGINT.")
    var shutdownGrace: Double = 30

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model DIR") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        let positive = [
            ("--max-frame-bytes", maxFrameBytes), ("--max-inputs-per-request", maxInputsPerRequest),
            ("--max-connections", maxConnections), ("--max-in-flight-per-connection", maxInFlightPerConnection),
            ("--max-queued-inputs", maxQueuedInputs), ("--max-batch-inputs", maxBatchInputs),
            ("--max-batch-tokens", maxBatchTokens), ("--max-batch-patches", maxBatchPatches),
            ("--max-vectors-per-document", maxVectorsPerDocument), ("--max-top-k", maxTopK),
            ("--max-failed-authentications", maxFailedAuthentications), ("--max-response-bytes", maxResponseBytes),
            ("--max-answer-bytes-per-connection", maxAnswerBytesPerConnection),
        ]
        for (name, value) in positive where value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
        guard idleTimeout >= 0, frameTimeout > 0 else {
            throw ValidationError("--idle-timeout must be 0 (never) or positive and --frame-timeout positive")
        }
        guard maxConnectionsPerAddress >= 0 else {
            throw ValidationError("--max-connections-per-address must be 0 (no limit) or positive, got \(maxConnectionsPerAddress)")
        }
        guard maxFrameBytes <= Int(UInt32.max) else { throw ValidationError("--max-frame-bytes must be at most \(UInt32.max)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "multiembed.serve")
        logger.info("kernels", metadata: ["cpu": "\(cpuDescription())", "kernels": "\(kernelSummary())"])
        for warning in kernelWarnings() { logger.warning("\(warning)") }
        // First, so a data directory in use is reported before the models spend seconds loading.
        let store = try openStore()
        let bundles = try model.map(loadModel)
        var configuration = try makeConfiguration()
        let files = OpenFileLimit.prepare(maxConnections: configuration.limits.maxConnections)
        if let warning = files.warning { logger.warning("\(warning)") }
        configuration.limits.maxConnections = files.maxConnections
        let server = EmbeddingServer(configuration: configuration, models: bundles, store: store, logger: logger)
        let announce = Task {
            guard let address = await server.listeningAddress(), let port = address.port else { return }
            let host = address.ipAddress ?? configuration.host
            FileHandle.standardError.write(Data("listening on \(host):\(port)\n".utf8))
        }
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { announce.cancel() }
        try await group.run()
    }

    private func makeConfiguration() throws -> ServerConfiguration {
        var limits = ServerLimits()
        limits.maxFrameBytes = maxFrameBytes
        limits.maxInputsPerRequest = maxInputsPerRequest
        limits.maxResponseBytes = maxResponseBytes
        limits.maxAnswerBytesPerConnection = maxAnswerBytesPerConnection
        limits.maxTextBytes = maxTextBytes
        limits.maxImageBytes = maxImageBytes
        limits.maxImagePixels = maxImagePixels
        limits.maxPatches = maxPatches
        limits.maxConnections = maxConnections
        limits.maxConnectionsPerAddress = maxConnectionsPerAddress
        limits.maxFailedAuthenticationsPerConnection = maxFailedAuthentications
        limits.maxInFlightPerConnection = maxInFlightPerConnection
        limits.maxQueuedInputsPerModel = maxQueuedInputs
        limits.frameTimeout = .milliseconds(Int(frameTimeout * 1000))
        limits.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        limits.maxVectorsPerDocument = maxVectorsPerDocument
        limits.maxTopK = maxTopK
        var batching = BatchingOptions()
        batching.maxBatchInputs = maxBatchInputs
        batching.maxBatchTokens = maxBatchTokens
        batching.maxBatchPatches = maxBatchPatches
        batching.maxWait = .microseconds(Int(maxWaitMs * 1000))
        var configuration = ServerConfiguration(
            host: host, port: port, modelDirectories: model.map { URL(fileURLWithPath: $0) }, limits: limits,
            batching: batching, apiKeys: try apiKeyFile.map(readAPIKeys) ?? [],
            shutdownGracePeriod: .milliseconds(Int(shutdownGrace * 1000)), metricsPort: metricsPort, dataDirectory: dataDir)
        // The default languages' data must be installed: refused now, not on the first page.
        configuration.pageReading = try reading.reader().options
        return configuration
    }

    /// The collections' store at `--data-dir`, locked for this process. Another `multiembed`
    /// (a second server, or `index add`) holding it is an error that says so.
    private func openStore() throws -> LocalVectorStore {
        do {
            return try LocalVectorStore(directory: dataDir)
        } catch .io(_, _, let code) where code == EWOULDBLOCK {
            throw CommandFailure(
                "--data-dir \(dataDir) is in use by another multiembed process (a server or 'multiembed index'); "
                    + "stop it or give another --data-dir")
        } catch {
            throw CommandFailure("cannot open --data-dir \(dataDir): \(error.description)")
        }
    }

    /// The keys of an `--api-key-file` (format: ``APIKeyFile``).
    private func readAPIKeys(_ path: String) throws -> Set<String> {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read --api-key-file \(path): \(error.localizedDescription)")
        }
        let keys: Set<String>
        do {
            keys = try APIKeyFile.parse(text)
        } catch {
            throw CommandFailure("--api-key-file \(path), \(error)")
        }
        guard !keys.isEmpty else { throw CommandFailure("--api-key-file \(path) holds no keys") }
        return keys
    }
}
