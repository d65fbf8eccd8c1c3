public import WireProtocol

/// An error that ends a request, with the status code the client is told.
///
/// Modelled on grpc-swift's `RPCError`: a canonical code, a message for people that names the
/// limit or value at fault, and optionally the underlying error for logs.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    /// The status code sent to the client.
    public var code: Multiembed_V1_Code
    /// One sentence for people; sent as `Status.message`.
    public var message: String
    /// What caused it, when another error did; logged, never sent.
    public var cause: (any Error & Sendable)?

    public init(_ code: Multiembed_V1_Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }
}

extension ServerError {
    static func invalidArgument(_ message: String) -> ServerError { .init(.invalidArgument, message) }
    static func notFound(_ message: String) -> ServerError { .init(.notFound, message) }
    static func resourceExhausted(_ message: String) -> ServerError { .init(.resourceExhausted, message) }
    static func unavailable(_ message: String) -> ServerError { .init(.unavailable, message) }
    static let deadlineExceeded = ServerError(.deadlineExceeded, "the request's deadline passed before its work was done")
    static let cancelled = ServerError(.cancelled, "the server shut down before the request was done")
    static let unauthenticated = ServerError(.unauthenticated, "a valid API key is required")
}
