import EmbeddingClient
import EmbeddingTesting
import Foundation
import Testing

/// A page's patch vectors through the Swift client, against the real server with tiny-clip.
@Suite struct PagePatchClientTests {
    @Test func includePatchesReturnsThePatchLayoutAndTheVectors() async throws {
        let image = try Data(contentsOf: Fixtures.url("pages/d1.png"))
        try await withRealServer(models: [tinyClip]) { client in
            var options = EmbedOptions()
            options.output = .multiVector
            let result = try await client.embed(
                [.page(PageInput(.image(image), name: "d1.png")), .page(PageInput(.image(image), name: "d1.png", includePatches: true))],
                options: options)
            #expect(result.inputErrors.isEmpty)
            let plain = try #require(result.embeddings[0].multiVector), patched = try #require(result.embeddings[1].multiVector)
            let patches = try #require(result.embeddings[1].pageText?.patches)
            #expect(result.embeddings[0].pageText?.patches == nil)
            #expect(patches.vectors == 17 && patches.leading == 1 && patches.rows == 4 && patches.columns == 4)
            #expect(patched.count == plain.count + patches.vectors)
        }
    }
}
