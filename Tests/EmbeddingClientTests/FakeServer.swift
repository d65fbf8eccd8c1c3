import NIOCore
import NIOPosix
import WireProtocol

/// A scriptable stand-in for the server: it decodes the client's Requests and hands each to
/// the test with the connection it came on, and the test answers as it likes (in any order, with
/// any status, with garbage bytes, or by closing the connection).
final class FakeServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let requests: AsyncStream<ReceivedRequest>
    let port: Int

    private init(
        group: MultiThreadedEventLoopGroup, channel: any Channel,
        requests: AsyncStream<ReceivedRequest>, port: Int
    ) {
        self.group = group
        self.channel = channel
        self.requests = requests
        self.port = port
    }

    /// Starts listening on a free loopback port.
    static func start() async throws -> FakeServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (requests, continuation) = AsyncStream<ReceivedRequest>.makeStream()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: 64 << 20)),
                        RequestCollector(requests: continuation),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw FakeServerError.notBound }
        return FakeServer(group: group, channel: channel, requests: requests, port: port)
    }

    /// Stops listening, closes every connection and the event loop thread.
    func shutdown() async throws {
        try? await self.channel.close()
        try await self.group.shutdownGracefully()
    }

    /// The next `count` requests, in arrival order.
    func next(_ count: Int = 1) async throws -> [ReceivedRequest] {
        var received: [ReceivedRequest] = []
        for await request in self.requests {
            received.append(request)
            if received.count == count { return received }
        }
        throw FakeServerError.streamEnded
    }

    /// Answers every request from now on with `answer(request)`, in a task the caller cancels.
    func answerAll(
        _ answer: @escaping @Sendable (Multiembed_V1_Request) -> Multiembed_V1_Response
    ) -> Task<Void, Never> {
        let requests = self.requests
        return Task {
            for await received in requests {
                try? await received.connection.send(answer(received.request))
            }
        }
    }
}

enum FakeServerError: Error {
    case notBound
    case streamEnded
}

/// One request as the fake server received it.
struct ReceivedRequest: Sendable {
    let request: Multiembed_V1_Request
    let connection: FakeConnection
}

/// The server's end of one client connection.
struct FakeConnection: Sendable {
    let channel: any Channel

    /// Sends `response` as one frame.
    func send(_ response: Multiembed_V1_Response) async throws {
        var buffer = self.channel.allocator.buffer(capacity: 64)
        try buffer.writeFrame(message: response)
        try await self.channel.writeAndFlush(buffer)
    }

    /// Sends `bytes` as they are, framed or not.
    func sendRaw(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(self.channel.allocator.buffer(bytes: bytes))
    }

    /// Closes the connection.
    func close() async {
        try? await self.channel.close()
    }
}

/// Decodes each frame as a Request and passes it on with its connection.
final class RequestCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let requests: AsyncStream<ReceivedRequest>.Continuation

    init(requests: AsyncStream<ReceivedRequest>.Continuation) {
        self.requests = requests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let request = try? Multiembed_V1_Request(frame: Self.unwrapInboundIn(data)) else {
            context.close(promise: nil)
            return
        }
        self.requests.yield(ReceivedRequest(request: request, connection: FakeConnection(channel: context.channel)))
    }
}
