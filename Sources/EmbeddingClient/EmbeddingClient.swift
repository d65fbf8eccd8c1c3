public import NIOCore
internal import NIOPosix
public import WireProtocol

/// A client of a MultiEmbed server: embeds texts, images and patch grids over one TCP
/// connection that carries any number of concurrent calls.
///
/// Calls are matched to answers by request id, so many tasks may call one client at once and
/// the server may answer them in any order. The connection is opened by the first call (or
/// ``connect()``); when it is lost, the calls waiting on it fail with ``StatusCode/unavailable``
/// (kind ``EmbeddingClientError/Kind/connectionClosed``) and the next call opens a new one.
/// Nothing is retried automatically, because only the caller knows whether a call may run
/// twice; ``EmbeddingClientError/isRetryable`` says which failures are worth retrying.
///
/// Call ``shutdown()`` when done: it closes the connection and stops the client's event loop
/// thread.
///
/// ```swift
/// let client = EmbeddingClient(host: "127.0.0.1", port: 7878)
/// let result = try await client.embed(texts: ["hello", "world"])
/// let vectors = result.pooledVectors
/// try await client.shutdown()
/// ```
public actor EmbeddingClient {
    /// Where the client connects and how long it waits.
    public nonisolated let configuration: ClientConfiguration

    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private var state = State.idle
    /// The server's frame limit, learned from ``info()``.
    private var serverFrameLimit: Int?

    private enum State {
        case idle
        case connecting(Task<Result<ClientConnection, EmbeddingClientError>, Never>)
        case connected(ClientConnection)
        case shutDown
    }

    /// A client for the server at `host:port`. Nothing is connected until the first call.
    ///
    /// - Parameters:
    ///   - apiKey: sent with every request when the server requires keys.
    ///   - timeout: how long a call waits for its answer unless its options say otherwise (nil =
    ///     without limit); also sent as the request's deadline.
    ///   - eventLoopGroup: a group to run on, which the caller keeps and shuts down; nil = the
    ///     client starts a one-thread group of its own and stops it in ``shutdown()``.
    public init(
        host: String, port: Int, apiKey: String? = nil, timeout: Duration? = .seconds(60),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.init(
            configuration: ClientConfiguration(host: host, port: port, apiKey: apiKey, timeout: timeout),
            eventLoopGroup: eventLoopGroup)
    }

    /// A client with every option of ``ClientConfiguration``.
    public init(configuration: ClientConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil) {
        self.configuration = configuration
        if let eventLoopGroup {
            self.group = eventLoopGroup
            self.ownsGroup = false
        } else {
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            self.ownsGroup = true
        }
    }

    /// A client dropped without ``shutdown()`` still releases its socket and its own event
    /// loop thread, in the background, rather than leaking them for the life of the process.
    deinit {
        if case .connected(let connection) = self.state {
            connection.channel.close(promise: nil)
        }
        if case .shutDown = self.state { return }
        if self.ownsGroup {
            self.group.shutdownGracefully { _ in }
        }
    }

    /// Opens the connection now rather than at the first call, so that a wrong address or a
    /// server that is down is reported at start-up. Does nothing when already connected.
    public func connect() async throws(EmbeddingClientError) {
        _ = try await self.connection()
    }

    /// Closes the connection (calls still waiting fail with kind
    /// ``EmbeddingClientError/Kind/shutDown``) and stops the client's own event loop thread.
    /// Later calls fail the same way. Calling it twice is harmless.
    public func shutdown() async throws {
        let previous = self.state
        self.state = .shutDown
        switch previous {
        case .connected(let connection):
            await connection.close(failingCallsWith: .shutDown)
        case .connecting(let task):
            if case .success(let connection) = await task.value {
                await connection.close(failingCallsWith: .shutDown)
            }
        case .idle:
            break
        case .shutDown:
            return
        }
        if self.ownsGroup {
            try await self.group.shutdownGracefully()
        }
    }

    /// The server's version, models and limits. Also teaches the client the server's frame
    /// limit, so a request over it fails alone instead of closing the shared connection.
    public func info(timeout: Duration? = nil) async throws(EmbeddingClientError) -> ServerInfo {
        var request = Multiembed_V1_Request()
        request.info = Multiembed_V1_InfoRequest()
        let response = try await self.send(request, timeout: timeout)
        guard case .info(let body)? = response.body else {
            throw .invalidResponse("the answer to an Info request has no info body")
        }
        let info = ServerInfo(body)
        if info.limits.maxFrameBytes > 0 { self.serverFrameLimit = info.limits.maxFrameBytes }
        return info
    }

    /// Whether the server takes work now, and how busy it is.
    public func health(timeout: Duration? = nil) async throws(EmbeddingClientError) -> HealthStatus {
        var request = Multiembed_V1_Request()
        request.health = Multiembed_V1_HealthRequest()
        let response = try await self.send(request, timeout: timeout)
        guard case .health(let body)? = response.body else {
            throw .invalidResponse("the answer to a Health request has no health body")
        }
        return HealthStatus(body)
    }

    /// Sends any request and returns the server's answer when its status is OK: the way to
    /// bodies this library has no typed call for yet. The client sets `id` and, when the
    /// request has none, `apiKey` and `deadlineMs` (from `timeout`).
    ///
    /// - Throws: ``EmbeddingClientError`` with the server's status when it is not OK.
    public func send(
        _ request: Multiembed_V1_Request, timeout: Duration? = nil, deadline: Duration? = nil
    ) async throws(EmbeddingClientError) -> Multiembed_V1_Response {
        let timeout = timeout ?? self.configuration.timeout
        var request = request
        if request.apiKey.isEmpty, let apiKey = self.configuration.apiKey {
            request.apiKey = apiKey
        }
        if request.deadlineMs == 0, let wait = deadline ?? timeout {
            request.deadlineMs = Self.milliseconds(wait)
        }
        let limit = min(
            self.configuration.maximumRequestFrameBytes, self.serverFrameLimit ?? Int(UInt32.max))
        let connection = try await self.connection()
        let response = try await connection.call(
            request, timeout: timeout, maximumFrameBytes: max(0, min(limit, Int(UInt32.max))))
        let status = response.status
        guard status.code == .ok else {
            throw EmbeddingClientError(
                code: StatusCode(status.code), kind: .status, message: status.message,
                inputErrors: status.inputErrors.map(InputError.init))
        }
        return response
    }

    /// The open connection, or a new one. Concurrent callers share one connection attempt.
    private func connection() async throws(EmbeddingClientError) -> ClientConnection {
        switch self.state {
        case .shutDown:
            throw .shutDown
        case .connected(let connection) where connection.isUsable:
            return connection
        case .connecting(let task):
            return try await task.value.get()
        case .idle, .connected:
            let configuration = self.configuration
            let group = self.group
            let task = Task { () async -> Result<ClientConnection, EmbeddingClientError> in
                do throws(EmbeddingClientError) {
                    return .success(
                        try await ClientConnection.connect(configuration: configuration, group: group))
                } catch {
                    return .failure(error)
                }
            }
            self.state = .connecting(task)
            let result = await task.value
            // While this actor waited, shutdown() may have run; it then closes the connection.
            if case .connecting(let current) = self.state, current == task {
                switch result {
                case .success(let connection): self.state = .connected(connection)
                case .failure: self.state = .idle
                }
            }
            if case .shutDown = self.state { throw .shutDown }
            return try result.get()
        }
    }

    /// A wait as whole milliseconds for `deadline_ms`, rounded up (a deadline is never made
    /// shorter) and at least 1 (0 would mean "no deadline").
    static func milliseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 1 }
        let millis = Double(seconds) * 1000 + (Double(attoseconds) / 1e15).rounded(.up)
        return UInt32(min(max(millis, 1), Double(UInt32.max)))
    }
}
