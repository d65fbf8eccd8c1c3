// How errors become Responses, so every server path answers the same way.

extension Multiembed_V1_Response {
    /// The answer to request `id` when it failed as a whole: the status and no body.
    public static func failure(id: UInt64, code: Multiembed_V1_Code, message: String) -> Self {
        var response = Self()
        response.id = id
        response.status.code = code
        response.status.message = message
        return response
    }
}

extension FrameError {
    /// The status code the peer is told: RESOURCE_EXHAUSTED for a frame over the limit (as
    /// gRPC answers an oversized message), INVALID_ARGUMENT for bytes that are not a message or
    /// a stream cut short, INTERNAL when we could not serialise our own message.
    public var statusCode: Multiembed_V1_Code {
        switch self {
        case .frameTooLarge: .resourceExhausted
        case .truncatedFrame, .undecodableMessage: .invalidArgument
        case .unencodableMessage: .internal
        }
    }

    /// The one Response a server sends before closing a connection whose input it cannot
    /// read: id 0 (the request's own id is unknown), ``statusCode`` and ``description``.
    public var errorResponse: Multiembed_V1_Response {
        .failure(id: 0, code: self.statusCode, message: self.description)
    }
}

extension Multiembed_V1_Request {
    /// Whether the request has no body this version knows but carries fields it does not:
    /// most likely a body added by a newer version of the protocol, which reaches an older
    /// server as an unknown field. The contract answers it UNIMPLEMENTED, and a request with no
    /// body at all INVALID_ARGUMENT.
    public var hasUnknownBody: Bool {
        self.body == nil && !self.unknownFields.data.isEmpty
    }
}
