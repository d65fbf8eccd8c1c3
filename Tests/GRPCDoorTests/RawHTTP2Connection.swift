import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import SwiftProtobuf

/// A bare HTTP/2 client, frames out and frames in, for sending what no well-behaved gRPC client
/// would: floods of stream resets, header lists over the limit, calls that fail on purpose.
struct RawHTTP2Connection {
    let channel: NIOAsyncChannel<HTTP2Frame, HTTP2Frame>

    static func connect(port: Int) async throws -> RawHTTP2Connection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .client))
                    return try NIOAsyncChannel<HTTP2Frame, HTTP2Frame>(wrappingChannelSynchronously: channel)
                }
            }
        return RawHTTP2Connection(channel: channel)
    }

    /// The request headers of a gRPC call of `path`, plus `extra`.
    static func callHeaders(_ path: String, _ extra: [(String, String)] = []) -> HPACKHeaders {
        HPACKHeaders([
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ] + extra)
    }

    /// `message` as one gRPC length-prefixed message (uncompressed).
    static func grpcMessage(_ message: some SwiftProtobuf.Message) throws -> ByteBuffer {
        let bytes: [UInt8] = try message.serializedBytes()
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }
}

/// What the server sent on a connection until it closed it (or until the wait ran out).
struct ReceivedFrames {
    var frames: [HTTP2Frame] = []
    /// Whether the server closed the connection (the inbound stream ended or failed).
    var closed = false

    var goAway: HTTP2ErrorCode? {
        for frame in frames { if case .goAway(_, let code, _) = frame.payload { return code } }
        return nil
    }

    /// The `grpc-status` of each stream that ended with headers, by stream.
    var grpcStatuses: [HTTP2StreamID: String] {
        var statuses: [HTTP2StreamID: String] = [:]
        for frame in frames {
            if case .headers(let headers) = frame.payload, let status = headers.headers.first(name: "grpc-status") {
                statuses[frame.streamID] = status
            }
        }
        return statuses
    }
}

/// Reads `inbound` until the server closes the connection or `timeout` passes.
func readUntilClosed(
    _ inbound: NIOAsyncChannelInboundStream<HTTP2Frame>, timeout: Duration = .seconds(20)
) async -> ReceivedFrames {
    let collected = LockedFrames()
    let reader = Task {
        do {
            for try await frame in inbound { collected.append(frame) }
        } catch {}
        collected.markClosed()
    }
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end, !collected.snapshot.closed {
        try? await Task.sleep(for: .milliseconds(20))
    }
    reader.cancel()
    return collected.snapshot
}

/// Frames gathered by a reader task, read by the test.
final class LockedFrames: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var received = ReceivedFrames()

    func append(_ frame: HTTP2Frame) { lock.withLock { received.frames.append(frame) } }
    func markClosed() { lock.withLock { received.closed = true } }
    var snapshot: ReceivedFrames { lock.withLock { received } }
}
