import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Bounds how long a request may take to arrive, from its first byte to its last, by the
/// server's `frame_timeout`, as the framed door bounds a frame: a client that drips its headers
/// or its body a byte at a time (slowloris) would otherwise hold a connection, and the memory of
/// a half-read request, for as long as it kept each gap under the idle timeout.
///
/// Two handlers share the work. ``ArrivalSignal``, at the front of the pipeline, sees the first
/// bytes of a request before the HTTP decoder has a part to show for them (a request's head is
/// only decoded once whole); this handler, after the decoder, sees where a request ends and
/// answers 408 in HTTP when the time is up (through the encoder, and through TLS when the door
/// serves it). Time spent answering a request is not counted: the deadline bounds that.
final class SlowSenderTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let logger: Logger
    /// Armed from a request's first byte to its end.
    private var timer: Scheduled<Void>?
    /// Whether the request being read has been answered already (a route that answered
    /// without reading the body): then only the close is left to do.
    private var answered = false
    private var reading = false

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let signal = ArrivalSignal { [self] in bytesArrived(context: context) }
        do {
            try context.pipeline.syncOperations.addHandler(signal, position: .first)
        } catch {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            answered = false
        case .end:
            reading = false
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { answered = true }
        context.write(data, promise: promise)
    }

    /// Bytes came in: when no request was being read, they begin one, and its clock starts.
    private func bytesArrived(context: ChannelHandlerContext) {
        guard !reading else { return }
        reading = true
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timedOut(context: context)
        }
    }

    private func timedOut(context: ChannelHandlerContext) {
        timer = nil
        logger.debug(
            "closing an HTTP connection whose request did not arrive within frame_timeout",
            metadata: ["address": "\(context.channel.remoteAddress?.description ?? "?")"])
        let channel = context.channel
        guard !answered else {
            channel.close(promise: nil)
            return
        }
        answered = true
        let head = HTTPResponse(
            status: .requestTimeout, headerFields: [.connection: "close", .contentType: "application/json",
                                                   .contentLength: "\(Self.body.readableBytes)"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(Self.body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// OpenAI's error shape, as every other refusal of the door.
    private static let body = ByteBuffer(
        string: #"{"error":{"message":"the request did not arrive within the server's frame_timeout","type":"invalid_request_error","param":null,"code":"request_timeout"}}"#)
}

/// Tells ``SlowSenderTimeout`` that bytes arrived, before any decoding.
final class ArrivalSignal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let arrived: () -> Void

    init(_ arrived: @escaping () -> Void) {
        self.arrived = arrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrived()
        context.fireChannelRead(data)
    }
}
