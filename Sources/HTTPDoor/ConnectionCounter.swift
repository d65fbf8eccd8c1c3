import EmbeddingServer
import NIOCore

/// Counts each HTTP connection with the server's others (`max_connections`, and
/// `max_connections_per_address`, over every door together), closing at once a connection over
/// a limit.
///
/// Hummingbird has no accept hook of its own; this handler is added to every accepted
/// connection's pipeline (HTTP1Channel's `additionalChannelHandlers`) before any request is
/// read, which serves as one. A refused connection is closed without an HTTP answer, as the
/// gRPC door does: it has sent no request yet to answer.
final class ConnectionCounter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    private let context: DoorContext

    init(context: DoorContext) {
        self.context = context
    }

    func handlerAdded(context channelContext: ChannelHandlerContext) {
        let channel = channelContext.channel
        let address = channel.remoteAddress?.ipAddress
        switch context.openConnection(address: address) {
        case .success:
            let context = self.context
            channel.closeFuture.whenComplete { _ in context.closeConnection(address: address) }
        case .failure:
            channel.close(promise: nil)
        }
    }
}
