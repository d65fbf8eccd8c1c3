import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import WireProtocol

extension BenchServer {
    /// One closed-loop client of the gRPC door (`serve --grpc-port`) on its own HTTP/2
    /// connection: the same requests as the framed client, as unary calls of
    /// `multiembed.v1.EmbeddingService/Embed`, one stream after another.
    ///
    /// It speaks gRPC's HTTP/2 mapping itself (request headers, a length-prefixed message,
    /// `grpc-status` in the trailers) on swift-nio-http2, from the connection's event loop (see
    /// ``ClosedLoopLedger``). A grpc-swift client costs about a tenth of what the server spends
    /// on a call (tasks and async sequences per call), which on a shared 2-core machine is
    /// taken from the server being measured; this one costs a fraction of that. The server side
    /// is the real gRPC door either way.
    static func grpcClient(
        host: String, port: Int, model: String, apiKey: String, inputs: [String], counter: RequestCounter
    ) async throws -> LoadResult {
        var headers: HPACKHeaders = [
            ":method": "POST", ":scheme": "http", ":path": "/multiembed.v1.EmbeddingService/Embed",
            ":authority": "\(host):\(port)", "content-type": "application/grpc", "te": "trailers",
        ]
        if !apiKey.isEmpty { headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        let requestHeaders = headers
        return try await runClosedLoop(host: host, port: port, inputs: inputs, counter: counter) { ledger, channel in
            let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
            ) { stream in
                // The server starts no streams.
                stream.close()
            }
            let calls = GRPCClosedLoop(ledger: ledger, multiplexer: multiplexer, headers: requestHeaders, model: model)
            try channel.pipeline.syncOperations.addHandler(GRPCClosedLoopStarter(calls: calls))
        }
    }
}

/// Starts each unary call once the one before it has ended, on the connection's event loop.
final class GRPCClosedLoop {
    private let ledger: ClosedLoopLedger
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let headers: HPACKHeaders
    private let model: String

    init(ledger: ClosedLoopLedger, multiplexer: NIOHTTP2Handler.StreamMultiplexer, headers: HPACKHeaders, model: String) {
        self.ledger = ledger
        self.multiplexer = multiplexer
        self.headers = headers
        self.model = model
    }

    /// Opens a stream for the next request, or ends the client when there is none.
    func callNext(on loop: any EventLoop) {
        guard let (_, text) = ledger.next() else {
            ledger.finish()
            return
        }
        var request = Multiembed_V1_EmbedRequest()
        request.model = model
        var input = Multiembed_V1_Input()
        input.text = text
        request.inputs = [input]
        let message: ByteBuffer
        do {
            let bytes: [UInt8] = try request.serializedBytes()
            var buffer = ByteBuffer()
            buffer.reserveCapacity(5 + bytes.count)
            buffer.writeInteger(UInt8(0))  // not compressed
            buffer.writeInteger(UInt32(bytes.count))
            buffer.writeBytes(bytes)
            message = buffer
        } catch {
            ledger.fail(error)
            return
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let headers = headers
        let opened = loop.makePromise(of: (any Channel).self)
        opened.futureResult.whenFailure { error in bound.value.ledger.fail(error) }
        multiplexer.createStreamChannel(promise: opened) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(
                    GRPCUnaryCallHandler(calls: bound.value, headers: headers, message: message))
            }
        }
    }

    /// The call in flight ended: `failure` says what was wrong with it, if anything.
    func ended(failure: String?, on loop: any EventLoop) {
        ledger.answered(failure: failure)
        callNext(on: loop)
    }

    /// The connection failed.
    func failed(_ error: any Error) {
        ledger.fail(error)
    }
}

/// Starts the first call once the connection is up (the HTTP/2 preface sent).
final class GRPCClosedLoopStarter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame

    private let calls: GRPCClosedLoop

    init(calls: GRPCClosedLoop) {
        self.calls = calls
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        // On the next tick: streams are not opened from inside the connection's activation.
        let bound = NIOLoopBound(calls, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        loop.execute { bound.value.callNext(on: loop) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        calls.failed(CommandFailure("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        calls.failed(error)
        context.close(promise: nil)
    }
}

/// One unary call on its own HTTP/2 stream: sends the headers and the message, reads the
/// answer's message and trailers, and tells ``GRPCClosedLoop`` how it ended. A call fails on a
/// `grpc-status` other than 0, a status in the `multiembed-status-bin` trailer (per-input
/// errors), or a message that does not decode as an EmbedResponse.
final class GRPCUnaryCallHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let calls: GRPCClosedLoop
    private let headers: HPACKHeaders
    private let message: ByteBuffer
    private var answer = ByteBuffer()
    private var ended = false

    init(calls: GRPCClosedLoop, headers: HPACKHeaders, message: ByteBuffer) {
        self.calls = calls
        self.headers = headers
        self.message = message
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(message), endStream: true))), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            // The response headers, then the trailers (or trailers alone) ending the stream.
            if frame.endStream { end(context: context, failure: Self.failure(trailers: frame.headers, message: answer)) }
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data { answer.writeBuffer(&bytes) }
            if frame.endStream { end(context: context, failure: "the answer ended without trailers") }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context: context, failure: "the stream closed before the answer ended")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(context: context, failure: "\(error)")
        context.close(promise: nil)
    }

    private func end(context: ChannelHandlerContext, failure: String?) {
        guard !ended else { return }
        ended = true
        calls.ended(failure: failure, on: context.eventLoop)
    }

    /// What was wrong with an answer, from its trailers and message bytes; nil when nothing.
    static func failure(trailers: HPACKHeaders, message: ByteBuffer) -> String? {
        guard let status = trailers.first(name: "grpc-status") else { return "the answer has no grpc-status" }
        guard status == "0" else { return "gRPC status \(status): \(trailers.first(name: "grpc-message") ?? "")" }
        if trailers.contains(name: "multiembed-status-bin") { return "per-input errors" }
        var message = message
        guard let compressed = message.readInteger(as: UInt8.self), compressed == 0,
              let length = message.readInteger(as: UInt32.self), let bytes = message.readBytes(length: Int(length)),
              message.readableBytes == 0
        else {
            return "the answer is not one uncompressed message"
        }
        do {
            _ = try Multiembed_V1_EmbedResponse(serializedBytes: bytes)
            return nil
        } catch {
            return "an unreadable EmbedResponse: \(error)"
        }
    }
}
