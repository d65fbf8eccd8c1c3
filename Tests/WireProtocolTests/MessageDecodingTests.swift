import Foundation
import NIOCore
import Testing

@testable import WireProtocol

/// Frames whose bytes are not what they should be: each is a typed error or, for fields from a
/// newer protocol, a message that carries them along. Never a crash.
@Suite struct MessageDecodingTests {
    static func request(_ bytes: [UInt8]) throws(FrameError) -> Multiembed_V1_Request {
        try Multiembed_V1_Request(frame: ByteBuffer(bytes: bytes))
    }

    static func undecodable(_ reason: MessageDecodingFailure) -> FrameError {
        .undecodableMessage(messageType: "multiembed.v1.Request", reason: reason)
    }

    @Test func garbageIsATypedError() {
        // Field 0 does not exist; wire type 7 does not exist; a varint that never ends.
        for garbage: [UInt8] in [[0x00], [0x07], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]] {
            #expect(throws: FrameError.self) { _ = try Self.request(garbage) }
        }
        #expect(throws: Self.undecodable(.malformed)) { _ = try Self.request(Array("GET / HTTP/1.1\r\n\r\n".utf8)) }
    }

    @Test func cutOffMessageIsTruncated() throws {
        var request = ByteBuffer()
        try request.writeFrame(message: Samples.requests[0])
        let bytes = Array(request.readableBytesView.dropFirst(4))
        #expect(throws: Self.undecodable(.truncated)) { _ = try Self.request(Array(bytes.dropLast())) }
    }

    @Test func randomBytesNeverCrash() {
        // Whatever arrives, the answer is a message or a typed error.
        var generator = SeededGenerator(seed: 0x5EED)
        var decoded = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do {
                _ = try Self.request(bytes)
                _ = try Multiembed_V1_Response(frame: ByteBuffer(bytes: bytes))
                decoded += 1
            } catch {
                guard case .undecodableMessage = error else {
                    Issue.record("unexpected \(error) for \(bytes)")
                    continue
                }
            }
        }
        #expect(decoded > 0)  // the empty message at least
    }

    @Test func invalidUTF8InAStringFieldIsATypedError() throws {
        // Input.text = 0xFF 0xFE, inside EmbedRequest.inputs, inside Request.embed.
        var input = ProtoBytes()
        input.delimited(1, [0xFF, 0xFE])
        var embed = ProtoBytes()
        embed.delimited(2, input.bytes)
        var request = ProtoBytes()
        request.varint(1, 42)
        request.delimited(10, embed.bytes)
        #expect(throws: Self.undecodable(.invalidUTF8)) { _ = try Self.request(request.bytes) }

        // A lone surrogate (CESU-style) and an overlong encoding of "/" are not UTF-8 either.
        for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            var apiKey = ProtoBytes()
            apiKey.delimited(3, bad)
            #expect(throws: Self.undecodable(.invalidUTF8)) { _ = try Self.request(apiKey.bytes) }
        }

        // The same bytes in a `bytes` field are fine.
        var image = ProtoBytes()
        image.delimited(1, [0xFF, 0xFE])
        var imageInput = ProtoBytes()
        imageInput.delimited(2, image.bytes)
        var imageEmbed = ProtoBytes()
        imageEmbed.delimited(2, imageInput.bytes)
        var imageRequest = ProtoBytes()
        imageRequest.delimited(10, imageEmbed.bytes)
        #expect(try Self.request(imageRequest.bytes).embed.inputs[0].image.data == Data([0xFF, 0xFE]))
    }

    @Test func unknownFieldsAreKeptNotRejected() throws {
        // A newer client's fields: 4 (a varint) at the top, 99 (bytes) inside EmbedRequest.
        var embed = ProtoBytes()
        embed.delimited(1, Array("m".utf8))
        embed.delimited(99, [1, 2, 3])
        var bytes = ProtoBytes()
        bytes.varint(1, 5)
        bytes.delimited(10, embed.bytes)
        bytes.varint(4, 1)  // last: SwiftProtobuf writes unknown fields after the known ones
        let request = try Self.request(bytes.bytes)
        #expect(request.id == 5)
        #expect(request.embed.model == "m")
        #expect(!request.unknownFields.data.isEmpty)
        #expect(!request.embed.unknownFields.data.isEmpty)
        #expect(!request.hasUnknownBody)  // it has a body this version knows

        // Carried along: re-serialising gives the same bytes back.
        var again = ByteBuffer()
        try again.writeFrame(message: request)
        #expect(Array(again.readableBytesView.dropFirst(4)) == bytes.bytes)
    }

    @Test func aBodyFromANewerVersionIsRecognisable() throws {
        // Field 30 is spare in Request.body: a newer version's body arrives as an unknown field.
        var bytes = ProtoBytes()
        bytes.varint(1, 8)
        bytes.delimited(30, [0x0A, 0x01, 0x71])
        let request = try Self.request(bytes.bytes)
        #expect(request.id == 8 && request.body == nil)
        #expect(request.hasUnknownBody)  // answered UNIMPLEMENTED, not INVALID_ARGUMENT
        #expect(!Multiembed_V1_Request.with { $0.id = 8 }.hasUnknownBody)
    }

    @Test func lastOneofFieldWins() throws {
        // protobuf's rule for a oneof set twice on the wire: the last one counts.
        var bytes = ProtoBytes()
        bytes.delimited(11, [])
        bytes.delimited(12, [])
        #expect(try Self.request(bytes.bytes).body == .health(.init()))
    }

    @Test func frameErrorsBecomeConnectionLevelResponses() throws {
        let tooLarge = FrameError.frameTooLarge(length: 0xFFFF_FFFF, limit: 1024).errorResponse
        #expect(tooLarge.id == 0 && tooLarge.status.code == .resourceExhausted && tooLarge.body == nil)
        #expect(tooLarge.status.message == "frame of 4294967295 bytes exceeds the limit of 1024 bytes")

        let garbage = Self.undecodable(.invalidUTF8).errorResponse
        #expect(garbage.id == 0 && garbage.status.code == .invalidArgument)
        #expect(
            garbage.status.message
                == "frame is not a valid multiembed.v1.Request: a string field is not valid UTF-8")

        // They must themselves be sendable: a frame the client can decode.
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: tooLarge)
        var decoder = FrameDecoder(maximumFrameBytes: 1024)
        #expect(try Multiembed_V1_Response(frame: try #require(try decoder.nextFrame(from: &buffer))) == tooLarge)
    }
}
