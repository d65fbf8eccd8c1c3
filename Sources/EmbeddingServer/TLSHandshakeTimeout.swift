import NIOCore
internal import NIOSSL
internal import NIOTLS

/// Closes a connection whose TLS handshake has not completed within `timeout` of the connection
/// being accepted. A peer that opens a connection and then sends nothing, or a ClientHello a
/// byte at a time, sends no decrypted bytes at all, so neither the frame timeout nor (with
/// `--idle-timeout 0`) the idle watch would ever close it, and it would hold one of the
/// server's connections for good. The server bounds the handshake by `frame_timeout`: a
/// handshake is a few small messages, like a frame.
///
/// Sits right after `NIOSSLServerHandler`, which tells the pipeline that the handshake is done
/// with `TLSUserEvent.handshakeCompleted` (``install(after:timeout:)`` puts it there, so no
/// handler in between can swallow the event); only added when the door serves TLS.
package final class TLSHandshakeTimeout: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    package init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    /// Adds a timeout right after the pipeline's `NIOSSLServerHandler`; does nothing on a
    /// pipeline without one (a plain connection has no handshake to wait for).
    package static func install(after pipeline: ChannelPipeline.SynchronousOperations, timeout: TimeAmount) throws {
        guard let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) else { return }
        try pipeline.addHandler(TLSHandshakeTimeout(timeout: timeout), position: .after(tls))
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
            // Its work is done; the connection's bytes need not pass through it any more.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
