/// Why a call failed: the server's status, or a failure on this side of the socket.
///
/// One error type for every call, in the shape of grpc-swift's `RPCError`: a ``code`` to
/// branch on (the server's own status code, or the code that best describes a local failure,
/// such as ``StatusCode/unavailable`` for a lost connection), a ``kind`` saying where the
/// failure happened (so a retry policy can tell "the server refused" from "the socket broke"),
/// a message for people, the per-input errors of an all-or-nothing batch, and the underlying
/// error when there is one.
public struct EmbeddingClientError: Error, Sendable, CustomStringConvertible {
    /// Where a failure happened.
    public enum Kind: Sendable, Hashable {
        /// The server answered the call with a status other than OK.
        case status
        /// The server could not read a frame of this connection (its answer had id 0) and
        /// closed the connection; every call in flight on it fails with its status.
        case protocolError
        /// No connection could be made to the server.
        case connectionFailed
        /// The connection closed, or broke, while the call waited for its answer.
        case connectionClosed
        /// The server sent bytes this client cannot read: a frame over the client's limit, a
        /// frame cut short, bytes that are not a `Response`, or a response that contradicts
        /// the request (wrong body, vectors whose bytes do not match their dimension).
        case invalidResponse
        /// The call's client-side timeout passed before the answer arrived.
        case timedOut
        /// The task waiting for the call was cancelled.
        case cancelled
        /// The client was shut down (``EmbeddingClient/shutdown()``).
        case shutDown
        /// The request was refused before it was sent: a patch grid whose values do not
        /// match its shape, or a request over the frame size limit.
        case invalidRequest
    }

    /// The status code: the server's, for ``Kind/status`` and ``Kind/protocolError``; for local
    /// failures, the canonical code that fits (UNAVAILABLE for connection failures,
    /// DEADLINE_EXCEEDED for a timeout, CANCELLED, INVALID_ARGUMENT or INTERNAL).
    public var code: StatusCode

    /// Where the failure happened.
    public var kind: Kind

    /// An English explanation for people (the server's `Status.message` for server statuses).
    public var message: String

    /// For an all-or-nothing batch refused by the server, the inputs at fault.
    public var inputErrors: [InputError]

    /// The underlying error, such as NIO's connection error, when there is one.
    public var cause: (any Error & Sendable)?

    public init(
        code: StatusCode, kind: Kind, message: String, inputErrors: [InputError] = [],
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.kind = kind
        self.message = message
        self.inputErrors = inputErrors
        self.cause = cause
    }

    public var description: String {
        var text = "\(self.code): \(self.message)"
        if !self.inputErrors.isEmpty {
            text += " (" + self.inputErrors.map(\.description).joined(separator: "; ") + ")"
        }
        if let cause = self.cause { text += " [cause: \(cause)]" }
        return text
    }

    /// Whether trying the same call again later may succeed: the server was busy or going away,
    /// or the connection broke. A retry policy's starting point, not a promise.
    public var isRetryable: Bool {
        switch self.kind {
        case .connectionFailed, .connectionClosed: true
        case .status, .protocolError: self.code == .unavailable || self.code == .resourceExhausted
        case .timedOut, .cancelled, .shutDown, .invalidRequest, .invalidResponse: false
        }
    }
}

/// The failure of one input of a batch: its position, code and reason.
public struct InputError: Sendable, Hashable, CustomStringConvertible {
    /// Position of the input in the request, from 0.
    public var index: Int
    /// Why it failed, usually ``StatusCode/invalidArgument``.
    public var code: StatusCode
    /// An English explanation for people.
    public var message: String

    public init(index: Int, code: StatusCode, message: String) {
        self.index = index
        self.code = code
        self.message = message
    }

    public var description: String { "input \(self.index): \(self.code): \(self.message)" }
}

extension EmbeddingClientError {
    static func connectionClosed(_ message: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .unavailable, kind: .connectionClosed, message: message, cause: cause)
    }

    static func invalidResponse(_ message: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .internal, kind: .invalidResponse, message: message, cause: cause)
    }

    static let shutDown = Self(
        code: .unavailable, kind: .shutDown, message: "the client has been shut down")

    static let cancelled = Self(
        code: .cancelled, kind: .cancelled, message: "the waiting task was cancelled")
}
