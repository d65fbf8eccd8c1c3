internal import NIOCore
internal import NIOPosix
internal import NIOSSL
internal import WireProtocol

/// One TCP connection to the server, carrying many calls at once.
///
/// Requests are serialised into frames by the calling task (off the event loop, and so that one
/// oversized request fails alone) and written through the channel, which orders the writes.
/// Answers are routed back by ``ResponseRouter``. The connection is used until it fails; then
/// ``isUsable`` turns false and the client opens a new one for the next call.
final class ClientConnection: Sendable {
    let channel: any Channel
    let calls: PendingCalls

    private init(channel: any Channel, calls: PendingCalls) {
        self.channel = channel
        self.calls = calls
    }

    /// Connects to the configured server; with ``ClientConfiguration/tls``, the TLS handshake
    /// (and the check of the server's certificate) is part of connecting.
    static func connect(
        configuration: ClientConfiguration, group: any EventLoopGroup
    ) async throws(EmbeddingClientError) -> ClientConnection {
        let calls = PendingCalls()
        let maximumFrameBytes = min(max(configuration.maximumResponseFrameBytes, 0), Int(UInt32.max))
        let tlsContext: NIOSSLContext?
        if let tls = configuration.tls { tlsContext = try TLSHandshake.context(for: tls) } else { tlsContext = nil }
        let serverName = configuration.tls?.serverName ?? configuration.host
        let handshake = tlsContext.map { _ in group.any().makePromise(of: Void.self) }
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext, let handshake {
                        try channel.pipeline.syncOperations.addHandlers([
                            try TLSHandshake.handler(context: tlsContext, name: serverName),
                            TLSHandshakeWatch(promise: handshake),
                        ])
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: maximumFrameBytes)),
                        ResponseRouter(calls: calls),
                    ])
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(
                host: configuration.host, port: configuration.port
            ).get()
        } catch {
            handshake?.fail(error)
            throw EmbeddingClientError(
                code: .unavailable, kind: .connectionFailed,
                message: "cannot connect to \(configuration.host):\(configuration.port): \(error)",
                cause: SendableError(error))
        }
        if let handshake {
            // A server that never answers the ClientHello is bounded like one that never accepts.
            let timer = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
                handshake.fail(ChannelError.connectTimeout(TimeAmount(configuration.connectTimeout)))
            }
            defer { timer.cancel() }
            do {
                try await handshake.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw EmbeddingClientError(
                    code: .unavailable, kind: .connectionFailed,
                    message: TLSHandshake.explain(error, host: configuration.host, port: configuration.port, name: serverName),
                    cause: SendableError(error))
            }
        }
        return ClientConnection(channel: channel, calls: calls)
    }

    /// Whether calls can still be sent on this connection.
    var isUsable: Bool { self.channel.isActive && !self.calls.hasFailed }

    /// Sends `request` (its id is set here) and waits for its answer, at most `timeout`.
    func call(
        _ request: Multiembed_V1_Request, timeout: Duration?, maximumFrameBytes: Int
    ) async throws(EmbeddingClientError) -> Multiembed_V1_Response {
        var request = request
        let id = self.calls.nextID()
        request.id = id
        var frame = self.channel.allocator.buffer(capacity: 0)
        do {
            try frame.writeFrame(message: request, maximumFrameBytes: maximumFrameBytes)
        } catch {
            throw Self.refusal(error)
        }
        let calls = self.calls
        let channel = self.channel
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard calls.register(id: id, continuation: continuation) else { return }
                if Task.isCancelled {
                    calls.complete(id: id, with: .failure(.cancelled))
                    return
                }
                if let timeout {
                    let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { () -> Void in
                        calls.complete(
                            id: id,
                            with: .failure(
                                EmbeddingClientError(
                                    code: .deadlineExceeded, kind: .timedOut,
                                    message: "no answer within \(timeout)")))
                    }
                    calls.attach(timeout: timer, to: id)
                }
                channel.writeAndFlush(frame).whenFailure { error in
                    calls.complete(
                        id: id,
                        with: .failure(
                            .connectionClosed(
                                "cannot send the request: \(error)", cause: SendableError(error))))
                }
            }
        } onCancel: {
            calls.complete(id: id, with: .failure(.cancelled))
        }
        return try result.get()
    }

    /// Closes the connection, failing the calls still waiting with `error`.
    func close(failingCallsWith error: EmbeddingClientError) async {
        self.calls.failAll(with: error)
        try? await self.channel.close()
    }

    /// The error for a request the client will not send.
    private static func refusal(_ error: FrameError) -> EmbeddingClientError {
        switch error {
        case .frameTooLarge(let length, let limit):
            EmbeddingClientError(
                code: .resourceExhausted, kind: .invalidRequest,
                message: "the request takes \(length) bytes, over the limit of \(limit) bytes; "
                    + "split it into smaller requests",
                cause: error)
        default:
            EmbeddingClientError(
                code: .internal, kind: .invalidRequest, message: "\(error)", cause: error)
        }
    }
}

extension TimeAmount {
    /// A Swift `Duration` in NIO's nanoseconds, saturating rather than overflowing.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = overflow ? .nanoseconds(.max) : .nanoseconds(whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}
