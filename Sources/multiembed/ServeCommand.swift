import ArgumentParser
import EmbeddingKernels
import EmbeddingServer
import Encoders
import Foundation
import GRPCDoor
import HTTPDoor
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

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to bind (0: any free port).")
    var port = 7878

    @Option(name: .long, help: "Port for the gRPC door (Protos/multiembed/v1/service.proto and grpc.health.v1) on the same host, with the same limits and keys; 0: any free port. Without it, none.")
    var grpcPort: Int?

    @Option(name: .long, help: "Port for the HTTP door (OpenAI's POST /v1/embeddings and GET /v1/models, native JSON routes under /v1/native/, GET /health, GET /openapi.json) on the same host, with the same limits and keys; 0: any free port. Without it, none.")
    var httpPort: Int?

    @Option(name: .long, help: "File of accepted API keys, one per line ('#' starts a comment). Without it, no authentication.")
    var apiKeyFile: String?

    @Option(name: .long, help: "Port for Prometheus metrics (GET /metrics) on the same host. Without it, none.")
    var metricsPort: Int?

    @OptionGroup(title: "TLS") var tls: TLSOptions

    @OptionGroup(title: "Pages") var reading: PageReadingOptions

    @Option(name: .long, help: "Folder of the late-interaction collections, shared with 'multiembed index' (one process at a time).")
    var dataDir = "./data"

    @Option(name: .long, help: "Keep the collections in PostgreSQL with pgvector instead of --data-dir: postgres://USER@HOST/DATABASE, or postgres://USER@/DATABASE?host=/socket/folder (scripts/start-postgres prints one). Several servers may share one database.")
    var store: String?

    @OptionGroup(title: "Limits") var limits: ServerLimitOptions

    @Option(name: .long, help: "Longest wait, in milliseconds, for a batch to fill when fewer inputs are queued than the worker's last batch had (0: take what is queued at once, which keeps every core busy under load).")
    var maxWaitMs: Double = 0

    @Option(name: .long, help: "Seconds in-flight work may take to finish after SIGTERM/SIGINT.")
    var shutdownGrace: Double = 30

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model DIR") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        if let grpcPort, !(0...65535).contains(grpcPort) {
            throw ValidationError("--grpc-port must be in 0...65535, got \(grpcPort)")
        }
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be in 0...65535, got \(httpPort)")
        }
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
        // Before the models spend seconds loading: a bad certificate or key is reported at once.
        let serverTLS = try tls.load()
        // First, so a data directory in use is reported before the models spend seconds loading.
        let store = try openStore()
        let bundles = try model.map { try loadModel($0, compute: computeOptions.compute) }
        for bundle in bundles {
            logger.info("model", metadata: [
                "name": "\(bundle.name)", "compute": "\(bundle.computePrecision)",
                "linear": "\(bundle.computePrecision.kernelName)",
            ])
        }
        var configuration = try makeConfiguration()
        configuration.tls = serverTLS
        let files = OpenFileLimit.prepare(maxConnections: configuration.limits.maxConnections)
        if let warning = files.warning { logger.warning("\(warning)") }
        configuration.limits.maxConnections = files.maxConnections
        let grpc = grpcPort.map { GRPCDoor(host: configuration.host, port: $0) }
        let http = httpPort.map { HTTPDoor(host: configuration.host, port: $0) }
        let doors: [any ServerDoor] = (grpc.map { [$0] } ?? []) + (http.map { [$0] } ?? [])
        let server = EmbeddingServer(
            configuration: configuration, models: bundles, store: store, logger: logger, doors: doors)
        let announce = Task {
            guard let address = await server.listeningAddress(), let port = address.port else { return }
            let host = address.ipAddress ?? configuration.host
            if let serverTLS {
                FileHandle.standardError.write(Data(
                    "tls on every door: certificate \(serverTLS.certificateChainFile), key \(serverTLS.privateKeyFile)\n".utf8))
            }
            FileHandle.standardError.write(Data("listening on \(host):\(port)\n".utf8))
            if let grpc, let grpcPort = await grpc.listeningPort() {
                FileHandle.standardError.write(Data("grpc listening on \(host):\(grpcPort)\n".utf8))
            }
            if let http, let httpPort = await http.listeningPort() {
                FileHandle.standardError.write(Data("http listening on \(host):\(httpPort)\n".utf8))
            }
        }
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { announce.cancel() }
        try await group.run()
    }

    private func makeConfiguration() throws -> ServerConfiguration {
        var batching = BatchingOptions()
        batching.maxWait = .microseconds(Int(maxWaitMs * 1000))
        var configuration = ServerConfiguration(
            host: host, port: port, modelDirectories: model.map { URL(fileURLWithPath: $0) }, batching: batching,
            apiKeys: try apiKeyFile.map(readAPIKeys) ?? [],
            shutdownGracePeriod: .milliseconds(Int(shutdownGrace * 1000)), metricsPort: metricsPort, dataDirectory: dataDir)
        configuration.computePrecision = computeOptions.compute
        try limits.apply(to: &configuration)
        // The default languages' data must be installed: refused now, not on the first page.
        configuration.pageReading = try reading.reader().options
        return configuration
    }

    /// The collections' store: PostgreSQL at `--store` when given (connected to now, so an
    /// unreachable server is reported before the models load), else the local store at
    /// `--data-dir`, locked for this process. Another `multiembed` (a second server, or
    /// `index add`) holding it is an error that says so.
    private func openStore() throws -> any VectorStore {
        if let store { return try openPostgresStore(store) }
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
