import EmbeddingServer
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The HTTP door: OpenAI's embeddings API, native JSON routes for everything else, `/health`
/// and `/openapi.json` over HTTP/1.1 (Hummingbird 2), beside the framed port and on the same
/// service core, so a request gets the same vectors, limits and statuses through any door.
///
/// The server's limits map onto HTTP: `max_frame_bytes` bounds a request body (413 before
/// reading a larger one), `idle_timeout` an idle connection's life, `max_connections` (per
/// address too) count HTTP connections together with the others (see ``ConnectionCounter``).
/// Headers are bounded by ``headerLimits``; `frame_timeout` bounds how long a request may take to
/// arrive (``SlowSenderTimeout``), and `max_failed_authentications` the 401s a connection gets
/// before it is closed (``FailedAuthenticationLimit``).
package final class HTTPDoor: ServerDoor {
    package let name = "http"
    let host: String
    let port: Int
    private let running = Mutex<Running>(Running())

    private struct Running {
        var group: ServiceGroup?
        var port: Int?
        var stopped = false
        var shutdownRequested = false
    }

    /// Headers a request may carry: 16 KiB per field, 64 KiB and 100 fields in all (an API key
    /// and the usual headers take well under 1 KiB). Over them the request is refused.
    static let headerLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)

    /// A door on `host:port`; port 0 picks a free port (read it with ``listeningPort(timeout:)``).
    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package func run(core: ServiceCore, server context: DoorContext) async throws {
        let limits = context.configuration.limits
        let routes = HTTPRoutes(
            gateway: CoreGateway(
                core: core, peers: DoorPeers(capacity: limits.maxAnswerBytesPerConnection, total: context.answerBytes)),
            maxBodyBytes: limits.maxFrameBytes, startedAt: Int(Date().timeIntervalSince1970))
        let channel = HTTP1Channel.Configuration(
            // An autoclosure: new handlers for each connection.
            additionalChannelHandlers: Self.connectionHandlers(context),
            idleTimeout: limits.idleTimeout > .zero ? TimeAmount.nanoseconds(Self.nanoseconds(limits.idleTimeout)) : nil,
            httpDecoderConfiguration: Self.headerLimits)
        // Hummingbird's own log: a drain ends with the accept loop cancelled, which it reports
        // at error level every time. What matters reaches the server another way: a failure to
        // bind is thrown from here, and the routes log through ``HTTPRoutes/logger``.
        var logger = Logger(label: "multiembed.http.hummingbird")
        logger.logLevel = .critical
        let application = Application(
            router: routes.router(), server: try Self.server(channel, tls: context.configuration.tls),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil, backlog: 1024),
            onServerRunning: { [self] channel in
                running.withLock { $0.port = channel.localAddress?.port }
            },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        let stopAtOnce = running.withLock { running in
            running.group = group
            return running.shutdownRequested
        }
        if stopAtOnce { await group.triggerGracefulShutdown() }
        defer { running.withLock { $0.stopped = true } }
        do {
            try await group.run()
        } catch where running.withLock({ $0.shutdownRequested }) {
            // Cancelled at the end of the server's drain, with connections still closing: done.
        }
    }

    package func beginShutdown() {
        let group = running.withLock { running in
            running.shutdownRequested = true
            return running.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    /// The port the door listens on, once bound; nil if it stopped first or took longer than
    /// `timeout` to start.
    package func listeningPort(timeout: Duration = .seconds(30)) async -> Int? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let (port, stopped) = running.withLock { ($0.port, $0.stopped) }
            if let port { return port }
            if stopped { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Each connection's own handlers, after TLS (when served) and before the HTTP codec's
    /// output reaches the routes.
    private static func connectionHandlers(_ context: DoorContext) -> [any RemovableChannelHandler] {
        let limits = context.configuration.limits
        let frameTimeout = TimeAmount.nanoseconds(nanoseconds(limits.frameTimeout))
        var handlers: [any RemovableChannelHandler] = [
            ConnectionCounter(context: context),
            FailedAuthenticationLimit(limit: limits.maxFailedAuthenticationsPerConnection, logger: HTTPRoutes.logger),
            SlowSenderTimeout(timeout: frameTimeout, logger: HTTPRoutes.logger),
        ]
        if context.configuration.tls != nil { handlers.append(TLSHandshakeTimeoutInstaller(timeout: frameTimeout)) }
        return handlers
    }

    /// HTTP/1.1, inside TLS with the server's certificate chain and key when it has them.
    private static func server(_ channel: HTTP1Channel.Configuration, tls: ServerTLS?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1(configuration: channel) }
        return try .tls(.http1(configuration: channel), tlsConfiguration: tls.configuration)
    }

    /// The routes the door serves, as "METHOD /path" (what the OpenAPI document must describe).
    package static func routes(core: ServiceCore, configuration: CoreConfiguration, answerBytes: HeldAnswerBytes) -> [String] {
        let peers = DoorPeers(capacity: configuration.limits.maxAnswerBytesPerConnection, total: answerBytes)
        let routes = HTTPRoutes(
            gateway: CoreGateway(core: core, peers: peers), maxBodyBytes: configuration.limits.maxFrameBytes, startedAt: 0)
        return routes.router().routes.map { "\($0.method) \($0.path)" }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product + attoseconds / 1_000_000_000
    }
}

/// Hummingbird adds a connection's own handlers after its HTTP codec; this one moves the TLS
/// handshake's timeout to right after the TLS handler, where it is sure to see the handshake end,
/// and leaves.
private final class TLSHandshakeTimeoutInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let timeout: TimeAmount

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            try TLSHandshakeTimeout.install(after: context.pipeline.syncOperations, timeout: timeout)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }
}
