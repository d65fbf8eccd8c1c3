import Foundation
import NIOCore
import NIOPosix
import SwiftProtobuf
import WireProtocol

/// A raw framed connection for tests: sends Requests or arbitrary bytes, reads Responses, and
/// sees the server close the connection.
final class TestConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    init(port: Int) async throws {
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: Int(UInt32.max))))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        iterator = channel.inbound.makeAsyncIterator()
    }

    func send(_ request: Multiembed_V1_Request) async throws {
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: request)
        try await channel.outbound.write(buffer)
    }

    func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.outbound.write(ByteBuffer(bytes: bytes))
    }

    /// The next Response, or nil when the server closed the connection.
    func receive() async throws -> Multiembed_V1_Response? {
        guard let frame = try await iterator.next() else { return nil }
        return try Multiembed_V1_Response(frame: frame)
    }

    /// Sends `request` and waits for the next Response.
    func call(_ request: Multiembed_V1_Request) async throws -> Multiembed_V1_Response? {
        try await send(request)
        return try await receive()
    }

    /// True when the server closes the connection (reading nothing more) within `timeout`.
    func closedByServer() async throws -> Bool {
        do {
            while try await iterator.next() != nil {}
            return true
        } catch {
            return true
        }
    }

    func close() {
        channel.outbound.finish()
        channel.channel.close(promise: nil)
    }

    // NIOAsyncChannel requires its writer to be finished before it goes away.
    deinit {
        close()
    }
}
