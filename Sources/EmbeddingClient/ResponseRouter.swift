internal import NIOCore
internal import WireProtocol

/// The connection's one reader: decodes each frame as a `Response` and hands it to the call
/// with its id, in whatever order answers arrive.
///
/// Anything that makes the stream unreadable fails every call of the connection and closes it,
/// because after one bad frame the byte stream cannot be trusted to be aligned on frames again:
/// an answer with id 0 (the server could not read one of our frames and closes the connection),
/// a frame over the client's limit or cut short (errors from ``FrameDecoder``), bytes that are
/// not a `Response`, and the end of the stream.
final class ResponseRouter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let calls: PendingCalls

    init(calls: PendingCalls) {
        self.calls = calls
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let response: Multiembed_V1_Response
        do {
            response = try Multiembed_V1_Response(frame: frame)
        } catch {
            self.fail(context: context, with: .invalidResponse("the server sent \(error)", cause: error))
            return
        }
        guard response.id != 0 else {
            let status = response.status
            self.fail(
                context: context,
                with: EmbeddingClientError(
                    code: StatusCode(status.code == .ok ? .internal : status.code),
                    kind: .protocolError,
                    message: "the server could not read this connection's request and closed it: "
                        + status.message))
            return
        }
        // An unknown id is an answer to a call that timed out or was cancelled: dropped.
        self.calls.complete(id: response.id, with: .success(response))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: EmbeddingClientError
        if let frameError = error as? FrameError {
            failure = .invalidResponse("the server sent \(frameError)", cause: frameError)
        } else {
            failure = .connectionClosed("the connection failed: \(error)", cause: SendableError(error))
        }
        self.fail(context: context, with: failure)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.calls.failAll(with: .connectionClosed("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, with error: EmbeddingClientError) {
        self.calls.failAll(with: error)
        context.close(promise: nil)
    }
}

/// An error from NIO carried as a cause; NIO's errors are Sendable in practice, but `any Error`
/// is not statically so.
struct SendableError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { self.description = String(describing: error) }
}
