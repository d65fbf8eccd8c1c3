import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes an HTTP connection after `max_failed_authentications` answers of 401, as the framed
/// door does, so that guessing keys costs a new connection every few guesses.
///
/// It watches the answers leaving the connection rather than the routes that make them: every
/// route's refusal of a key passes here, and only here is it known when the last byte of the
/// answer has been written, after which the close cannot cut it short. The last 401 says
/// `connection: close`, so the client learns why.
final class FailedAuthenticationLimit: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: Int
    private let logger: Logger
    private var failures = 0
    private var closeAfterThisAnswer = false

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status == .unauthorized:
            failures += 1
            guard failures >= limit else { break }
            closeAfterThisAnswer = true
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .end where closeAfterThisAnswer:
            logger.notice(
                "closing an HTTP connection after repeated failed authentication",
                metadata: ["address": "\(context.channel.remoteAddress?.description ?? "?")"])
            let written = context.eventLoop.makePromise(of: Void.self)
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            if let promise { written.futureResult.cascade(to: promise) }
            context.writeAndFlush(data, promise: written)
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }
}
