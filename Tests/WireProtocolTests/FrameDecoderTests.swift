import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import WireProtocol

/// The frame decoder on its own and in a channel: byte-at-a-time and batched input, the length
/// limit, empty frames and streams that end mid-frame.
@Suite struct FrameDecoderTests {
    static let limit = 1024

    static func channel(limit: Int = limit) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maximumFrameBytes: limit)))
        return channel
    }

    @Test func passesNIOsDecoderVerifier() throws {
        // Drip-fed one byte at a time, many frames per buffer, each frame in one buffer, in
        // shuffled orders: NIOTestUtils does all of that from these pairs.
        let payloads: [[UInt8]] = [
            [], [0x08, 0x01, 0x62, 0x00], Array(repeating: 0xAB, count: 300), [0x00],
            Array(0...255), Array(repeating: 0x5A, count: Self.limit),
        ]
        let pairs = payloads.map { (ByteBuffer.frame($0), [ByteBuffer(bytes: $0)]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(maximumFrameBytes: Self.limit)
        }
    }

    @Test func decodesManyFramesFromOneBuffer() throws {
        let channel = try Self.channel()
        var input = ByteBuffer()
        for index in 0..<100 { input.writeImmutableBuffer(.frame(Array(repeating: UInt8(index), count: index))) }
        try channel.writeInbound(input)
        for index in 0..<100 {
            let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
            #expect(frame == ByteBuffer(bytes: Array(repeating: UInt8(index), count: index)))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func zeroLengthFrameIsProducedAtOnce() throws {
        // The prefix alone completes an empty frame: it must not wait for the next read.
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(hex: "00 00 00 00"))
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(frame.readableBytes == 0)
        // An empty frame is a valid Request with every field unset.
        #expect(try Multiembed_V1_Request(frame: frame) == Multiembed_V1_Request())
        #expect(try channel.finish().isClean)
    }

    @Test func rejectsHostileLengthBeforeBuffering() throws {
        // Four bytes announcing 4 GiB: refused on the spot, with nothing reserved for the frame.
        var decoder = FrameDecoder(maximumFrameBytes: Self.limit)
        var buffer = ByteBuffer(hex: "ff ff ff ff")
        let capacity = buffer.capacity
        #expect(throws: FrameError.frameTooLarge(length: 0xFFFF_FFFF, limit: Self.limit)) {
            _ = try decoder.nextFrame(from: &buffer)
        }
        #expect(buffer.capacity == capacity)

        // Through a channel: the error reaches errorCaught as soon as the prefix is in.
        let channel = try Self.channel()
        #expect(throws: FrameError.frameTooLarge(length: 0xFFFF_FFFF, limit: Self.limit)) {
            try channel.writeInbound(ByteBuffer(hex: "ff ff ff ff"))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func acceptsExactlyTheLimitAndRejectsOneMore() throws {
        let channel = try Self.channel(limit: 16)
        try channel.writeInbound(ByteBuffer.frame(Array(repeating: 1, count: 16)))
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 16)
        #expect(throws: FrameError.frameTooLarge(length: 17, limit: 16)) {
            try channel.writeInbound(ByteBuffer.frame(Array(repeating: 1, count: 17)))
        }
        _ = try? channel.finish()
    }

    @Test func zeroLimitAcceptsOnlyEmptyFrames() throws {
        var decoder = FrameDecoder(maximumFrameBytes: 0)
        var empty = ByteBuffer(hex: "00000000")
        #expect(try decoder.nextFrame(from: &empty)?.readableBytes == 0)
        var one = ByteBuffer(hex: "00000001 00")
        #expect(throws: FrameError.frameTooLarge(length: 1, limit: 0)) { _ = try decoder.nextFrame(from: &one) }
    }

    @Test func waitsForTheRestOfACutOffFrame() throws {
        var decoder = FrameDecoder(maximumFrameBytes: Self.limit)
        var buffer = ByteBuffer(hex: "00 00 00 10  01 02 03")
        #expect(try decoder.nextFrame(from: &buffer) == nil)
        #expect(decoder.state == .waitingForFrame(length: 16))
        #expect(buffer.readableBytes == 3)  // kept, not consumed
        buffer.writeBytes(Array(4...16) as [UInt8])
        #expect(try decoder.nextFrame(from: &buffer) == ByteBuffer(bytes: Array(1...16)))
        #expect(decoder.state == .waitingForHeader)
    }

    @Test func reportsAFrameCutOffByTheEndOfTheStream() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(hex: "00 00 00 10  01 02 03"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(throws: FrameError.truncatedFrame(frameLength: 16, receivedBytes: 3)) {
            _ = try channel.finish()
        }
    }

    @Test func reportsAPrefixCutOffByTheEndOfTheStream() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(hex: "00 00"))
        #expect(throws: FrameError.truncatedFrame(frameLength: nil, receivedBytes: 2)) {
            _ = try channel.finish()
        }
    }

    @Test func reportsAFrameWhosePrefixAloneArrived() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(hex: "00 00 00 05"))
        #expect(throws: FrameError.truncatedFrame(frameLength: 5, receivedBytes: 0)) {
            _ = try channel.finish()
        }
    }

    @Test func completeFramesBeforeTheEndAreStillDelivered() throws {
        let channel = try Self.channel()
        var input = ByteBuffer.frame([7, 7])
        input.writeImmutableBuffer(.frame([8]))
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [7, 7]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [8]))
        #expect(try channel.finish().isClean)
    }

    @Test func aCleanEndOfStreamIsNotAnError() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer.frame([1]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [1]))
        #expect(try channel.finish().isClean)
    }
}
