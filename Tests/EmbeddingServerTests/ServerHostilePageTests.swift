import EmbeddingServer
import EmbeddingTesting
import Foundation
import ImageIO
import Testing
import WireProtocol

extension ServerTests {
@Suite("Hostile pages through Embed and Upsert: each answered alone, the others read")
struct ServerHostilePageTests {
    static func imageSource(_ image: RGBImage, name: String, languages: [String] = []) throws -> Multiembed_V1_MultiVectorSource {
        var source = Multiembed_V1_MultiVectorSource()
        source.input.page.image = Data(try PNGEncoder.encode(image))
        source.input.page.name = name
        source.input.page.languages = languages
        return source
    }

    @Test("a blank page and a page of noise get an empty text layer saying why; a 20000-pixel-tall page over the limit and a missing language fail alone")
    func hostilePages() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let blank = RGBImage(width: 600, height: 800, pixels: Array(repeating: 255, count: 600 * 800 * 3))
        var generator = SeededGenerator(state: 5)
        let noise = RGBImage(width: 600, height: 800, pixels: (0 ..< 600 * 800).flatMap { _ -> [UInt8] in
            let value: UInt8 = Bool.random(using: &generator) ? 0 : 255
            return [value, value, value]
        })
        // 500 x 20000 = 10 megapixels, over this server's 8.
        let tall = RGBImage(width: 500, height: 20_000, pixels: Array(repeating: 255, count: 500 * 20_000 * 3))
        var good = Multiembed_V1_MultiVectorSource()
        good.input = ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1)
        try await withCollectionServer(dataDirectory: directory, configure: { $0.pageReading.maxPixels = 8_000_000 }) { connection in
            // Embed answers each page alone: two fail, naming why; the others are read.
            let sources = [
                try Self.imageSource(blank, name: "blank.png"), try Self.imageSource(noise, name: "noise.png"),
                try Self.imageSource(tall, name: "tall.png"), try Self.imageSource(blank, name: "klingon.png", languages: ["tlh"]), good,
            ]
            let embedded = try await connection.answer(ServerPageTests.embed(sources.map(\.input)))
            let errors = embedded.status.inputErrors
            #expect(errors.map(\.index) == [2, 3], "\(errors)")
            #expect(errors.allSatisfy { $0.code == .invalidArgument })
            #expect(errors.first?.message.contains("20000") == true, "\(errors.first?.message ?? "")")
            #expect(errors.last?.message.contains("tlh") == true, "\(errors.last?.message ?? "")")
            let texts = embedded.embed.embeddings.map(\.pageText)
            #expect(texts[0].words.isEmpty && !texts[0].note.isEmpty, "\(texts[0])")
            #expect(!texts[1].note.isEmpty, "\(texts[1])")
            #expect(texts[4].words.count == 7)
            #expect(embedded.embed.embeddings[4].pooled.dimension == 384)

            // Upsert is all or nothing: the bad pages refuse the request, each named; the
            // readable ones are then stored, the blank and noisy ones with their notes.
            _ = try await connection.ok(CollectionRequest.create("hostile"))
            let refused = try await connection.answer(CollectionRequest.upsert("hostile", [
                ("blank", sources[0]), ("tall", sources[2]), ("klingon", sources[3]),
            ]))
            #expect(refused.status.code == .invalidArgument)
            #expect(refused.status.inputErrors.map(\.index) == [1, 2])
            #expect(refused.status.inputErrors.first?.message.contains("document 1 (id 'tall')") == true, "\(refused.status)")
            let upserted = try await connection.ok(CollectionRequest.upsert("hostile", [("blank", sources[0]), ("noise", sources[1]), ("good", good)]))
            #expect(upserted.upsert.upserted == 3)
            let got = try await connection.ok(CollectionRequest.get("hostile", ["blank", "noise", "good"])).get.documents
            #expect(got.map(\.id) == ["blank", "noise", "good"])
            #expect(got[0].pageText.words.isEmpty && !got[0].pageText.note.isEmpty, "\(got[0].pageText)")
            #expect(!got[1].pageText.note.isEmpty, "\(got[1].pageText)")
            #expect(got[2].pageText.words.count == 7)
            let found = try await connection.ok(CollectionRequest.search("hostile", textSource("revenue by region"), topK: 1))
            #expect(found.search.hits.first?.id == "good")
        }
    }
}
}
