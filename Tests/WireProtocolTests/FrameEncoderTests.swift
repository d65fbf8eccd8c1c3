import NIOCore
import NIOEmbedded
import Testing

@testable import WireProtocol

/// Writing frames: the prefix, the limit, and encoder and decoder agreeing through a channel.
@Suite struct FrameEncoderTests {
    @Test func writesBigEndianLengthThenPayload() throws {
        var out = ByteBuffer()
        let written = try out.writeFrame(payload: ByteBuffer(bytes: [0xAA, 0xBB, 0xCC]))
        #expect(written == 7)
        #expect(out == ByteBuffer(hex: "00 00 00 03 aa bb cc"))

        var empty = ByteBuffer()
        try empty.writeFrame(payload: ByteBuffer())
        #expect(empty == ByteBuffer(hex: "00 00 00 00"))

        var large = ByteBuffer()
        try large.writeFrame(payload: ByteBuffer(bytes: Array(repeating: 0, count: 0x0102_03)))
        #expect(large.getBytes(at: 0, length: 4) == [0x00, 0x01, 0x02, 0x03])
    }

    @Test func refusesAPayloadOverTheLimitAndWritesNothing() throws {
        var out = ByteBuffer(bytes: [9])
        #expect(throws: FrameError.frameTooLarge(length: 5, limit: 4)) {
            try out.writeFrame(payload: ByteBuffer(bytes: [1, 2, 3, 4, 5]), maximumFrameBytes: 4)
        }
        #expect(out == ByteBuffer(bytes: [9]))
        #expect(throws: FrameError.frameTooLarge(length: 3, limit: 2)) {
            try out.writeFrame(message: Multiembed_V1_Request.with { $0.id = 300 }, maximumFrameBytes: 2)
        }
        #expect(out == ByteBuffer(bytes: [9]))
    }

    @Test func messageFrameIsTheSerialisedMessage() throws {
        var out = ByteBuffer()
        try out.writeFrame(message: Multiembed_V1_Request.with { $0.id = 1; $0.health = .init() })
        #expect(out == ByteBuffer(hex: "00 00 00 04  08 01 62 00"))
    }

    @Test func encodersAndDecoderAgreeThroughChannels() throws {
        // Client side writes Requests, server side reads frames and decodes them.
        let client = EmbeddedChannel()
        try client.pipeline.syncOperations.addHandler(
            MessageToByteHandler(MessageFrameEncoder<Multiembed_V1_Request>()))
        let server = EmbeddedChannel()
        try server.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maximumFrameBytes: 1 << 20)))

        let requests = Samples.requests
        for request in requests { try client.writeOutbound(request) }
        while let bytes = try client.readOutbound(as: ByteBuffer.self) { try server.writeInbound(bytes) }
        for request in requests {
            let frame = try #require(try server.readInbound(as: ByteBuffer.self))
            #expect(try Multiembed_V1_Request(frame: frame) == request)
        }
        #expect(try server.readInbound(as: ByteBuffer.self) == nil)

        // And back: the plain ByteBuffer encoder carries serialised Responses.
        try server.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        for response in Samples.responses {
            try server.writeOutbound(ByteBuffer(bytes: try response.serializedBytes()))
        }
        var received = ByteBuffer()
        while var bytes = try server.readOutbound(as: ByteBuffer.self) { received.writeBuffer(&bytes) }
        var decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        for response in Samples.responses {
            let frame = try #require(try decoder.nextFrame(from: &received))
            #expect(try Multiembed_V1_Response(frame: frame) == response)
        }
        #expect(received.readableBytes == 0)
        #expect(try client.finish().isClean)
        #expect(try server.finish().isClean)
    }
}
