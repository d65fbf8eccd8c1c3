import EmbeddingServer
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import Synchronization

/// The gRPC door: Protos/multiembed/v1/service.proto's services and the standard health and
/// reflection services over HTTP/2 (grpc-swift 2 on NIO), beside the framed port and on the same
/// service core, so a request gets the same vectors, limits and statuses through either.
///
/// The server's limits map onto the transport's: `max_frame_bytes` bounds a request message
/// (see ``BoundedDeserializer``),
/// `max_in_flight_per_connection` the concurrent streams of a connection, `idle_timeout` an idle
/// connection's life, and `max_connections` (per address too) count gRPC connections together
/// with the framed ones; a connection over them is closed at once. After
/// `max_failed_authentications` calls answered UNAUTHENTICATED a connection is closed
/// gracefully (see ``GRPCConnections``). HTTP/2's own abuse (floods of stream resets, header
/// lists over 16 KiB) is refused by swift-nio-http2's defaults, which GRPCDoorTests hold it to.
package final class GRPCDoor: ServerDoor {
    package let name = "grpc"
    let host: String
    let port: Int
    private let running = Mutex<Running>(Running())

    private struct Running {
        var transport: HTTP2ServerTransport.Posix?
        var server: GRPCServer<HTTP2ServerTransport.Posix>?
        var shutdownRequested = false
    }

    /// A door on `host:port`; port 0 picks a free port (read it with ``listeningPort()``).
    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package func run(core: ServiceCore, server context: DoorContext) async throws {
        let limits = context.configuration.limits
        let connections = GRPCConnections(maxFailedAuthentications: limits.maxFailedAuthenticationsPerConnection)
        let address: GRPCNIOTransportCore.SocketAddress =
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: Self.transportSecurity(context.configuration.tls),
            config: .defaults { config in
                config.rpc.maxRequestPayloadSize = limits.maxFrameBytes.multipliedReportingOverflow(by: 2).overflow
                    ? Int.max : limits.maxFrameBytes * 2
                config.http2.maxConcurrentStreams = limits.maxInFlightPerConnection
                config.connection.maxIdleTime = limits.idleTimeout > .zero ? limits.idleTimeout : nil
                config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
                    Self.admit(channel, context: context, connections: connections)
                }
            })
        var router = RPCRouter<HTTP2ServerTransport.Posix>()
        GRPCMethods(
            core: core, peers: DoorPeers(capacity: limits.maxAnswerBytesPerConnection, total: context.answerBytes),
            connections: connections, streamWindow: limits.maxInFlightPerConnection, maxMessageBytes: limits.maxFrameBytes
        ).register(with: &router)
        GRPCHealth(core: core).register(with: &router)
        GRPCReflection(catalog: .embedded, maxMessageBytes: limits.maxFrameBytes).register(with: &router)
        let server = GRPCServer(transport: transport, router: router)
        let stopAtOnce = running.withLock { running in
            running.transport = transport
            running.server = server
            return running.shutdownRequested
        }
        if stopAtOnce { server.beginGracefulShutdown() }
        do {
            try await server.serve()
        } catch where running.withLock({ $0.shutdownRequested }) {
            // Cancelled at the end of the server's drain, with connections still closing: done.
        }
    }

    package func beginShutdown() {
        let server = running.withLock { running in
            running.shutdownRequested = true
            return running.server
        }
        server?.beginGracefulShutdown()
    }

    /// The port the door listens on, once bound; nil if it stopped first or took longer than
    /// `timeout` to start.
    package func listeningPort(timeout: Duration = .seconds(30)) async -> Int? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let transport = running.withLock({ $0.transport }) {
                guard let address = try? await transport.listeningAddress else { return nil }
                return address.ipv4?.port ?? address.ipv6?.port
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// TLS with the server's certificate chain and key (ALPN "h2", no client certificates), or
    /// plaintext HTTP/2 when the server has none.
    private static func transportSecurity(_ tls: ServerTLS?) -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        return .tls(
            certificateChain: [.bytes(tls.certificateChainPEM, format: .pem)],
            privateKey: .bytes(tls.privateKeyPEM, format: .pem))
    }

    /// Counts an accepted connection with the server's others, closing it when a connection
    /// limit is full (the framed door answers RESOURCE_EXHAUSTED first; HTTP/2 has no stream yet
    /// to answer on).
    private static func admit(_ channel: any Channel, context: DoorContext, connections: GRPCConnections) -> EventLoopFuture<Void> {
        let address = channel.remoteAddress?.ipAddress
        switch context.openConnection(address: address) {
        case .success:
            connections.opened(channel)
            channel.closeFuture.whenComplete { _ in context.closeConnection(address: address) }
            // A handshake that stalls is closed after frame_timeout (the transport has no
            // handshake timeout of its own, and maxIdleTime only counts once HTTP/2 runs).
            let handshakeTimeout = TimeAmount(context.configuration.limits.frameTimeout)
            if (try? TLSHandshakeTimeout.install(after: channel.pipeline.syncOperations, timeout: handshakeTimeout)) == nil {
                channel.close(promise: nil)
            }
        case .failure:
            channel.close(promise: nil)
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
