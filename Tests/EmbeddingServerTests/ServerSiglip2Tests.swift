import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import Testing
import WireProtocol

/// SigLIP2 served like CLIP: Info describes it, and Embed of texts, images and patches through a
/// loopback server gives transformers' embeddings (tiny-siglip2/golden.json, within 1e-4).
@Suite struct ServerSiglip2Tests {
    struct Golden: Decodable {
        struct Text: Decodable { var text: String; var text_embeds: [Float] }
        struct Image: Decodable { var file: String; var spatial_shapes: [Int]; var pixel_values: [[Float]]; var image_embeds: [Float] }
        var texts: [Text]
        var images: [Image]
    }

    static let bundle = Result { try ModelBundle.load(directory: Fixtures.url("tiny-siglip2")) }

    @Test func infoAndEmbedMatchTheReference() async throws {
        let golden = try Fixtures.load(Golden.self, from: "tiny-siglip2/golden.json")
        let bundle = try Self.bundle.get()
        let photo = try Data(contentsOf: Fixtures.url("images/photo-kafka.jpg"))
        let local = try #require(bundle.imageEncoder)
        let expectedPhoto = try #require(try local.embed([.encoded(bytes: [UInt8](photo), name: "photo")])[0].get().pooled)
        let reference = golden.images[0]
        try await withServer(models: [bundle]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var infoRequest = Multiembed_V1_Request()
            infoRequest.id = 1
            infoRequest.info = .init()
            let model = try #require(try await connection.call(infoRequest)?.info.models.first)
            #expect(model.architecture == "siglip2")
            #expect(model.dimension == 32 && model.maxInputTokens == 64)
            #expect(model.inputKinds.contains(.image) && model.inputKinds.contains(.patches) && model.inputKinds.contains(.text))
            #expect(model.patchSize == 16 && model.imageSize == 256 && model.imageMean == [0.5, 0.5, 0.5])

            var request = embedRequest(id: 2, texts: golden.texts.map(\.text))
            var image = Multiembed_V1_Input()
            image.image.data = photo
            request.embed.inputs.append(image)
            var patches = Multiembed_V1_Input()
            patches.patches.rows = UInt32(reference.spatial_shapes[0])
            patches.patches.cols = UInt32(reference.spatial_shapes[1])
            patches.patches.patchSize = 16
            patches.patches.channels = 3
            // The golden's (y, x, channel) patch rows in the wire's (channel, y, x) order.
            let values = reference.pixel_values.flatMap { patch in
                (0..<3).flatMap { channel in (0..<256).map { patch[$0 * 3 + channel] } }
            }
            patches.patches.data = values.withUnsafeBufferPointer { Data(buffer: $0) }
            request.embed.inputs.append(patches)
            let response = try #require(try await connection.call(request))
            #expect(response.status.code == .ok)
            let embeddings = response.embed.embeddings.map { floats($0.pooled.data) }
            #expect(embeddings.count == golden.texts.count + 2)
            for (index, text) in golden.texts.enumerated() {
                #expect(Closeness.maxAbsDifference(embeddings[index], text.text_embeds) < 1e-4, "\(text.text)")
            }
            #expect(embeddings[golden.texts.count] == expectedPhoto)
            #expect(Closeness.maxAbsDifference(embeddings[golden.texts.count + 1], reference.image_embeds) < 1e-4)
        }
    }
}
