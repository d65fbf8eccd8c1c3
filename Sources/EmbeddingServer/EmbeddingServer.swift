public import Encoders
public import LateInteraction
public import Logging
public import NIOCore
import NIOPosix
internal import NIOSSL
public import ServiceLifecycle
import WireProtocol

/// The MultiEmbed server: protobuf frames over TCP, a dynamic batcher per model, limits, API
/// keys, health, metrics and graceful shutdown.
///
/// It is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` that handles SIGTERM
/// and SIGINT, and a graceful shutdown stops accepting, lets in-flight requests finish within
/// ``ServerConfiguration/shutdownGracePeriod``, answers what is left CANCELLED, and returns.
/// Tests start it on port 0 and read the port from ``listeningAddress()``.
public final class EmbeddingServer: Service, Sendable {
    public let configuration: ServerConfiguration
    let service: EmbeddingService
    let collections: CollectionService
    let lifecycle = ServerLifecycle()
    let metrics: ServerMetrics
    let logger: Logger
    package let core: ServiceCore
    /// The doors beside the framed listener (gRPC, HTTP).
    let doors: [any ServerDoor]
    /// Answer bytes all connections hold (see ``AnswerBudget``).
    package let answerBytes = HeldAnswerBytes()

    /// Bytes of answers being computed or waiting for their clients to read them, over all
    /// connections: each connection holds at most ``ServerLimits/maxAnswerBytesPerConnection``.
    public var answerBytesHeld: Int { answerBytes.current }

    /// A server for models already loaded (`ModelBundle.load(directory:)`), in order: the
    /// first is the default. `configuration.modelDirectories` is not read.
    ///
    /// - Parameter store: the collections' store, when the caller opened it (to report a data
    ///   directory in use before loading models); nil = the local store at
    ///   `configuration.dataDirectory`, opened by ``run()``, or none.
    public convenience init(
        configuration: ServerConfiguration, models: [ModelBundle], store: (any VectorStore)? = nil,
        logger: Logger = Logger(label: "multiembed.server")
    ) {
        self.init(configuration: configuration, models: models, store: store, logger: logger, doors: [])
    }

    /// A server that also serves through `doors` (gRPC, HTTP), with the same core.
    package init(
        configuration: ServerConfiguration, models: [ModelBundle], store: (any VectorStore)? = nil,
        logger: Logger = Logger(label: "multiembed.server"), doors: [any ServerDoor]
    ) {
        self.doors = doors
        precondition(!models.isEmpty, "a server needs at least one model")
        self.configuration = configuration
        self.logger = logger
        self.metrics = ServerMetrics()
        self.service = EmbeddingService(
            models: models.map(ServedModel.init), configuration: configuration, metrics: metrics, logger: logger)
        self.collections = CollectionService(embedding: service, configuration: configuration, store: store)
        self.core = ServiceCore(
            service: service, collections: collections, lifecycle: lifecycle, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// A server for the models in `configuration.modelDirectories`, loaded now.
    public convenience init(configuration: ServerConfiguration, logger: Logger = Logger(label: "multiembed.server")) throws(ModelLoadError) {
        var models: [ModelBundle] = []
        for directory in configuration.modelDirectories {
            models.append(try ModelBundle.load(directory: directory, computePrecision: configuration.computePrecision))
        }
        guard !models.isEmpty else { throw .missingFile(path: "no model directory given") }
        self.init(configuration: configuration, models: models, logger: logger)
    }

    /// The address the server listens on, once it is bound (nil if it stopped before).
    public func listeningAddress() async -> SocketAddress? {
        await lifecycle.boundAddress()
    }

    /// Starts a graceful shutdown (as SIGTERM does under a ServiceGroup).
    public func beginShutdown() {
        if lifecycle.beginDraining() { logger.info("draining") }
    }

    /// Serves until a graceful shutdown (or cancellation) has run its course.
    public func run() async throws {
        service.start()
        defer { lifecycle.stopped() }
        let serverChannel: NIOAsyncChannel<AcceptedConnection, Never>
        do {
            try collections.start()
            for damage in collections.damagedAtStart() {
                logger.error("collection damaged", metadata: [
                    "collection": "\(damage.collection)", "file": "\(damage.path)",
                    "offsets": "\(damage.ranges.map { "\($0.offset)+\($0.length)" }.joined(separator: ","))",
                    "error": "\(damage.description)"])
            }
            serverChannel = try await bind()
        } catch {
            await stopWorkers()
            throw error
        }
        lifecycle.bound(serverChannel.channel)
        if let address = serverChannel.channel.localAddress {
            logger.info("listening", metadata: ["address": "\(address)", "tls": "\(tlsDescription)"])
        }
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    if let metricsPort = configuration.metricsPort {
                        group.addTask {
                            // Metrics are an aid: their failure (a port in use) is logged, not fatal,
                            // and their cancellation at the end of a drain is the normal way out.
                            do {
                                try await MetricsEndpoint(registry: self.metrics.registry, logger: self.logger)
                                    .run(host: self.configuration.host, port: metricsPort)
                            } catch is CancellationError {
                            } catch {
                                self.logger.error("metrics endpoint failed", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                    let doorContext = DoorContext(configuration: configuration, answerBytes: answerBytes, lifecycle: lifecycle)
                    for door in doors {
                        group.addTask {
                            do {
                                try await door.run(core: self.core, server: doorContext)
                            } catch {
                                // A door that cannot serve (its port in use) stops the server:
                                // half a server would look healthy to the doors that work.
                                self.logger.error("door failed", metadata: ["door": "\(door.name)", "error": "\(error)"])
                                self.beginShutdown()
                                throw error
                            }
                        }
                    }
                    try await serverChannel.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                    // Not accepting any more: let the work in flight finish, then close the rest.
                    lifecycle.beginDraining()
                    for door in doors { door.beginShutdown() }
                    await drain()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.beginShutdown()
            }
        } catch {
            // Whatever ended the server, its model threads and preparation pool must stop too.
            logger.error("server failed", metadata: ["error": "\(error)"])
            service.failQueued(with: .cancelled)
            await stopWorkers()
            throw error
        }
        await stopWorkers()
        logger.info("stopped")
    }

    /// Stops the model threads, the preparation and store threads, and lets go of the data
    /// directory, so another server (or `multiembed index`) can open it.
    private func stopWorkers() async {
        await service.stop()
        await collections.stop()
    }

    private func bind() async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        let limits = configuration.limits
        let lifecycle = self.lifecycle
        let timeout = TimeAmount(limits.frameTimeout)
        let idleTimeout = TimeAmount(limits.idleTimeout)
        let tls = configuration.tls?.context
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Responses are whole frames written at once; Nagle would only add latency.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let activity = ConnectionActivity()
                    // TLS first: the frame handlers see the decrypted stream. A peer that does
                    // not speak TLS fails the handshake, which closes its connection alone.
                    if let tls {
                        try channel.pipeline.syncOperations.addHandlers([
                            NIOSSLServerHandler(context: tls), TLSHandshakeTimeout(timeout: timeout),
                        ])
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        FrameTimeoutHandler(timeout: timeout, activity: activity),
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: limits.maxFrameBytes)),
                        MessageToByteHandler(MessageFrameEncoder<Multiembed_V1_Response>()),
                    ])
                    // Counted here, on the event loop in accept order, so the connection over the
                    // cap is always the last one to arrive.
                    let wrapped = try NIOAsyncChannel<ByteBuffer, Multiembed_V1_Response>(wrappingChannelSynchronously: channel)
                    let address = channel.remoteAddress?.ipAddress
                    let admission = lifecycle.openConnection(
                        limit: limits.maxConnections, perAddressLimit: limits.maxConnectionsPerAddress, address: address)
                    if case .success = admission {
                        IdleConnectionWatch.start(channel: channel, activity: activity, timeout: idleTimeout)
                    }
                    return AcceptedConnection(channel: wrapped, address: address, admission: admission, activity: activity)
                }
            }
    }

    /// "off", or the certificate and key files every door serves TLS with, for the start-up log.
    private var tlsDescription: String {
        guard let tls = configuration.tls else { return "off" }
        return "on (certificate \(tls.certificateChainFile), key \(tls.privateKeyFile))"
    }

    /// Waits for the requests in flight to end, up to the grace period; then answers what is
    /// still queued CANCELLED and waits briefly for those answers to be written.
    private func drain() async {
        let clock = ContinuousClock()
        let graceEnd = clock.now + configuration.shutdownGracePeriod
        while lifecycle.requestsInFlight > 0, clock.now < graceEnd {
            try? await Task.sleep(for: .milliseconds(5))
        }
        guard lifecycle.requestsInFlight > 0 else { return }
        logger.warning("grace period over; cancelling", metadata: ["requests": "\(lifecycle.requestsInFlight)"])
        service.failQueued(with: .cancelled)
        let cancelEnd = clock.now + .seconds(2)
        while lifecycle.requestsInFlight > 0, clock.now < cancelEnd {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A connection as the accept loop hands it over: admitted (with the connections then open,
/// itself included), or over a connection limit (then answered RESOURCE_EXHAUSTED and closed).
struct AcceptedConnection: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, Multiembed_V1_Response>
    /// The client's IP address, when known: connections are counted per address.
    let address: String?
    let admission: Result<Int, ServerLifecycle.Refusal>
    /// Shared with the connection's channel handlers.
    let activity: ConnectionActivity
}

extension TimeAmount {
    /// The same span in NIO's nanoseconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
