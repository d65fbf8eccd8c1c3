import Foundation
import NIOCore
import Testing

@testable import WireProtocol

/// Every message survives a trip through a frame, and the bytes are the ones Protos/README.md
/// shows a client implementer.
@Suite struct MessageRoundTripTests {
    static func viaFrame(_ request: Multiembed_V1_Request) throws -> Multiembed_V1_Request {
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: request)
        var decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        return try Multiembed_V1_Request(frame: try #require(try decoder.nextFrame(from: &buffer)))
    }

    static func viaFrame(_ response: Multiembed_V1_Response) throws -> Multiembed_V1_Response {
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: response)
        var decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        return try Multiembed_V1_Response(frame: try #require(try decoder.nextFrame(from: &buffer)))
    }

    @Test(arguments: Samples.requests)
    func requestRoundTrips(_ request: Multiembed_V1_Request) throws {
        #expect(try Self.viaFrame(request) == request)
    }

    @Test(arguments: Samples.responses)
    func responseRoundTrips(_ response: Multiembed_V1_Response) throws {
        #expect(try Self.viaFrame(response) == response)
    }

    @Test func everyEmbedFieldSurvives() throws {
        let request = try Self.viaFrame(Samples.requests[0])
        guard case .embed(let decoded) = request.body else { Issue.record("no embed body"); return }
        #expect(decoded.inputs.count == 4)
        #expect(decoded.inputs[0].text == "a photo of a cat — ünïcödé, 猫")
        #expect(decoded.inputs[1].image.name == "cat.png")
        #expect(decoded.inputs[2].patches.data.count == 24)
        #expect(decoded.inputs[3].kind == .text(""))  // set to "", which is not the same as unset
        #expect(decoded.prompt == .promptName("query"))
        #expect(decoded.normalize == .off)
        #expect(decoded.output == .both && decoded.encoding == .int8 && decoded.truncate == .error)
        #expect(decoded.dimensions == 256 && decoded.allOrNothing)
    }

    @Test func unsetFieldsTakeTheirDefaults() throws {
        let decoded = try Self.viaFrame(.with { $0.id = 9; $0.embed = .with { $0.inputs = [.with { $0.text = "x" }] } })
        guard case .embed(let embed) = decoded.body else { Issue.record("no embed body"); return }
        #expect(embed.prompt == nil && embed.normalize == .modelDefault)
        #expect(embed.output == .pooled && embed.encoding == .float32 && embed.truncate == .end)
    }

    @Test func anEmptyInstructionIsNotAnUnsetOne() throws {
        // Instruction "" means "no prompt, not even the model's default": it must survive.
        let request = Multiembed_V1_Request.with {
            $0.embed = .with { $0.inputs = [.with { $0.text = "x" }]; $0.instruction = "" }
        }
        guard case .embed(let embed) = try Self.viaFrame(request).body else {
            Issue.record("no embed body")
            return
        }
        #expect(embed.prompt == .instruction(""))
        #expect(embed.model.isEmpty && embed.dimensions == 0 && !embed.allOrNothing)
    }

    @Test func canonicalStatusCodeNumbers() {
        // gRPC's numbering, which every client library maps.
        let codes: [(Multiembed_V1_Code, Int)] = [
            (.ok, 0), (.cancelled, 1), (.unknown, 2), (.invalidArgument, 3), (.deadlineExceeded, 4),
            (.notFound, 5), (.alreadyExists, 6), (.permissionDenied, 7), (.resourceExhausted, 8),
            (.failedPrecondition, 9), (.aborted, 10), (.outOfRange, 11), (.unimplemented, 12),
            (.internal, 13), (.unavailable, 14), (.dataLoss, 15), (.unauthenticated, 16),
        ]
        for (code, number) in codes { #expect(code.rawValue == number, "\(code)") }
        #expect(Multiembed_V1_Code.allCases.count == 17)
    }

    @Test func readmeWorkedExampleRequest() throws {
        let request = Multiembed_V1_Request.with {
            $0.id = 7
            $0.deadlineMs = 500
            $0.embed = .with { $0.inputs = [.with { $0.text = "hi" }] }
        }
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: request)
        #expect(buffer == ByteBuffer(hex: "00 00 00 0d  08 07  10 f4 03  52 06 12 04 0a 02 68 69"))
    }

    @Test func readmeWorkedExampleResponse() throws {
        let frame = ByteBuffer(
            hex: "00 00 00 1b  08 07  52 17 0a 0e 12 0c 08 02 12 08 9a 99 19 3f cd cc 4c 3f  12 02 08 03  1a 01 6d")
        var input = frame
        var decoder = FrameDecoder(maximumFrameBytes: 64)
        let response = try Multiembed_V1_Response(frame: try #require(try decoder.nextFrame(from: &input)))
        #expect(response.id == 7 && response.status.code == .ok && !response.hasStatus)
        guard case .embed(let embed) = response.body else { Issue.record("no embed body"); return }
        #expect(embed.model == "m" && embed.usage.tokens == 3)
        let pooled = embed.embeddings[0].pooled
        #expect(embed.embeddings[0].index == 0 && pooled.dimension == 2)
        let values = pooled.data.withUnsafeBytes { raw in
            (0..<2).map { index in
                let bits = raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)
                return Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        #expect(values == [0.6, 0.8])

        var reencoded = ByteBuffer()
        try reencoded.writeFrame(message: response)
        #expect(reencoded == frame)
    }

    @Test func readmeHealthExample() throws {
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: Multiembed_V1_Request.with { $0.id = 1; $0.health = .init() })
        #expect(buffer == ByteBuffer(hex: "00 00 00 04 08 01 62 00"))
    }
}
