import EmbeddingServer
import EmbeddingTesting
import Foundation
import Testing
import WireProtocol

extension ServerTests.ServerBadInputTests {
    /// Issue 13: a JPEG whose data ends early used to be embedded as a mostly gray picture. It
    /// now fails alone, with libjpeg's reason and the input's index; the rest is embedded.
    @Test("a JPEG whose data ends early fails alone, naming the input and why")
    func truncatedJPEG() async throws {
        let kafka = try Data(contentsOf: Fixtures.url("images/photo-kafka.jpg"))
        let truncated = kafka.prefix(kafka.count * 6 / 10) + Data([0xFF, 0xD9])
        let png = try Data(contentsOf: Fixtures.url("images/tiny-10x7.png"))
        try await withServer(models: [tinyClip]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = embedRequest(id: 13, texts: ["a photo"])
            for data in [truncated, png] {
                var input = Multiembed_V1_Input()
                input.image.data = data
                request.embed.inputs.append(input)
            }
            let response = try #require(try await connection.call(request))
            #expect(response.status.code == .ok)
            #expect(response.status.inputErrors.map(\.index) == [1])
            let message = response.status.inputErrors.first?.message ?? ""
            #expect(message.contains("input 1") && message.contains("premature end of data segment"), "\(message)")
            #expect(response.embed.embeddings.count == 3 && response.embed.embeddings[2].hasPooled)
        }
    }
}
