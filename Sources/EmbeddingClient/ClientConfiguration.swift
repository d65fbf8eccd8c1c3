/// How an ``EmbeddingClient`` reaches its server and how long it waits.
public struct ClientConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// Sent with every request when the server requires API keys; nil = none.
    public var apiKey: String?
    /// How long a call waits for its answer unless its options say otherwise; nil = no limit.
    /// Also sent as the request's deadline, so the server drops work nobody waits for.
    public var timeout: Duration?
    /// How long establishing a connection may take.
    public var connectTimeout: Duration = .seconds(10)
    /// The longest response frame this client reads, in bytes. A server announcing a longer
    /// one fails the connection at once, before any of it is buffered, so a broken or hostile
    /// server cannot make the client allocate without bound. 256 MiB holds the multi-vectors of
    /// a large batch of long texts in float32.
    public var maximumResponseFrameBytes: Int = 256 * 1024 * 1024
    /// The longest request frame this client sends, in bytes. A longer request fails alone
    /// with RESOURCE_EXHAUSTED before it is sent: sent, the server would refuse it by closing
    /// the connection, failing every other call in flight. Lowered automatically to the
    /// server's `maxFrameBytes` once ``EmbeddingClient/info()`` has returned.
    public var maximumRequestFrameBytes: Int = Int(UInt32.max)
    /// TLS to a server that serves it (`multiembed serve --tls-cert --tls-key`), verifying its
    /// certificate; nil = plain TCP. The handshake is part of connecting: an untrusted
    /// certificate or one that does not name the server fails the call with
    /// ``EmbeddingClientError/Kind/connectionFailed``.
    public var tls: ClientTLS?

    public init(host: String, port: Int, apiKey: String? = nil, timeout: Duration? = .seconds(60)) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.timeout = timeout
    }
}
