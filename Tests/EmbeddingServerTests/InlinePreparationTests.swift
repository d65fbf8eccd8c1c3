@testable import EmbeddingServer
import Foundation
import Testing

@Suite("Inline preparation")
struct InlinePreparationTests {
    @Test("small text-only calls are tokenised on the calling task; large texts, images and pages go to the pool")
    func whichCallsRunInline() {
        let limit = EmbeddingService.inlinePreparationBytes
        #expect(EmbeddingService.isSmallText([.text("a short query")]))
        #expect(EmbeddingService.isSmallText([.text(String(repeating: "a", count: limit))]))
        #expect(!EmbeddingService.isSmallText([.text(String(repeating: "a", count: limit + 1))]))
        // The limit counts all the call's texts together, in UTF-8 bytes.
        let half = String(repeating: "é", count: limit / 4 + 1)
        #expect(!EmbeddingService.isSmallText([.text(half), .text(half)]))
        #expect(!EmbeddingService.isSmallText([.text("a"), .image(data: Data([0x89]), name: "x.png")]))
        #expect(!EmbeddingService.isSmallText([.empty]))
    }
}
