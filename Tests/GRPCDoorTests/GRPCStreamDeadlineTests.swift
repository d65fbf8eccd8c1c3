import GRPCCore
import NIOCore
import NIOHTTP2
import Testing
import WireProtocol

@Suite("gRPC door: a stream's deadline")
struct GRPCStreamDeadlineTests {
    /// Sent from a bare HTTP/2 client: grpc-swift's own client would cancel the call itself at
    /// its deadline, and the test is of what the server does.
    @Test("EmbedStream's grpc-timeout counts from the start of the stream, not from each message")
    func streamDeadlineCountsFromTheStart() async throws {
        try await withGRPCServer { _, ports in
            let raw = try await RawHTTP2Connection.connect(port: ports.grpc)
            let received = try await raw.channel.executeThenClose { inbound, outbound in
                let headers = RawHTTP2Connection.callHeaders(
                    "/multiembed.v1.EmbeddingService/EmbedStream", [("grpc-timeout", "1S")])
                try await outbound.write(HTTP2Frame(streamID: 1, payload: .headers(.init(headers: headers))))
                let first = try RawHTTP2Connection.grpcMessage(embedRequest(["in time"]))
                try await outbound.write(HTTP2Frame(streamID: 1, payload: .data(.init(data: .byteBuffer(first)))))
                // The second message comes after the stream's second is up.
                try await Task.sleep(for: .milliseconds(1500))
                let second = try RawHTTP2Connection.grpcMessage(embedRequest(["too late"]))
                try await outbound.write(HTTP2Frame(streamID: 1, payload: .data(.init(data: .byteBuffer(second), endStream: true))))
                return await readUntilStreamEnds(inbound, stream: 1)
            }
            #expect(received.grpcStatuses[1] == "\(RPCError.Code.deadlineExceeded.rawValue)", "\(received.frames)")
        }
    }
}

/// Reads `inbound` until `stream` ends with its trailers (or the connection closes, or 20 s).
func readUntilStreamEnds(
    _ inbound: NIOAsyncChannelInboundStream<HTTP2Frame>, stream: HTTP2StreamID
) async -> ReceivedFrames {
    var received = ReceivedFrames()
    let reader = Task {
        var frames = ReceivedFrames()
        do {
            for try await frame in inbound {
                frames.frames.append(frame)
                if frames.grpcStatuses[stream] != nil { return frames }
            }
        } catch {}
        frames.closed = true
        return frames
    }
    let timeout = Task {
        try await Task.sleep(for: .seconds(20))
        reader.cancel()
    }
    received = await reader.value
    timeout.cancel()
    return received
}
