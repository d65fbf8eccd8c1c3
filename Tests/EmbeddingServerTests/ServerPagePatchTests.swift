import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import Testing
import WireProtocol

extension ServerTests {
@Suite("Page inputs with include_patches: the page image's patch vectors after the words'")
struct ServerPagePatchTests {
    static func patchedPage(_ input: Multiembed_V1_Input) -> Multiembed_V1_Input {
        var input = input
        input.page.includePatches = true
        return input
    }

    @Test("a model with a vision tower appends the image's vectors; Upsert stores them, Get says where they are, Search shows matched patches; other models refuse")
    func pagePatches() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let clip = try #require(tinyClip)
        let vision = try #require(clip.image)
        let image = try Data(contentsOf: Fixtures.url("pages/d1.png"))
        try await withCollectionServer(dataDirectory: directory, models: [tinyClip, miniLM]) { connection in
            let plain = ServerPageTests.pageInput(image: image)
            let answer = try await connection.ok(embedRequest(id: 3, texts: []) {
                $0.inputs = [plain, Self.patchedPage(plain)]
                $0.output = .both
                $0.model = "tiny-clip"
            })
            let (words, both) = (answer.embed.embeddings[0], answer.embed.embeddings[1])
            // The image encoder's own vectors of the page image: the class token's, then 16 patches'.
            let reference = try #require(try vision.embed([.encoded(bytes: [UInt8](image), name: "d1")], options: .init(output: .multiVector))[0].get().tokenVectors)
            #expect(both.multiVector.count == words.multiVector.count + UInt32(reference.count))
            let values = floats(both.multiVector.data)
            let dimension = Int(both.multiVector.dimension)
            #expect(Closeness.maxAbsDifference(Array(values.prefix(Int(words.multiVector.count) * dimension)), floats(words.multiVector.data)) < 1e-5)
            #expect(Array(values.suffix(reference.count * dimension)) == reference.flatMap { $0 })
            #expect(Closeness.maxAbsDifference(floats(both.pooled.data), floats(words.pooled.data)) < 1e-5)
            let patches = both.pageText.patches
            #expect(both.pageText.hasPatches && !words.pageText.hasPatches)
            #expect(patches.vectors == UInt32(reference.count) && patches.leading == 1 && patches.rows * patches.columns == 16)
            #expect(patches.width > 0 && patches.x + patches.width <= both.pageText.width && patches.y + patches.height <= both.pageText.height)
            #expect(answer.embed.usage.patches == 16)

            _ = try await connection.ok(CollectionRequest.create("pages") { $0.model = "tiny-clip" })
            var source = Multiembed_V1_MultiVectorSource()
            source.input = Self.patchedPage(ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 0))
            _ = try await connection.ok(CollectionRequest.upsert("pages", [("report", source)]))
            let got = try await connection.ok(CollectionRequest.get("pages", ["report#1", "report#2"], includeVectors: true)).get.documents
            #expect(got.allSatisfy { $0.pageText.patches.vectors == 17 })
            #expect(got[0].pageText.words.count == 7)
            // Words first (the text tower's windows), then the 17 image vectors.
            #expect(got[0].content.vectors.count > 17 + 7)

            // Matches: each query vector's maximum is a word or a patch (given as its box), never both.
            let queryText = "quarterly revenue table by region"
            let found = try await connection.ok(CollectionRequest.search("pages", textSource(queryText), topK: 1) { $0.includeMatches = true })
            let hit = try #require(found.search.hits.first)
            let stored = try #require(got.first { $0.id == hit.id })
            let text = try #require(clip.text)
            let query = try #require(try text.embed([queryText], options: text.retrievalOptions(.query, output: .multiVector))[0].get().tokenVectors)
            let document = floats(stored.content.vectors.data), width = Int(stored.content.vectors.dimension)
            let first = Int(stored.content.vectors.count) - 17
            func argmax(_ row: [Float]) -> Int {
                let dots = (0 ..< Int(stored.content.vectors.count)).map { j in zip(row, document[j * width ..< (j + 1) * width]).map(*).reduce(0, +) }
                return dots.indices.max { dots[$0] < dots[$1] }!
            }
            let byWords = Set(hit.matches.flatMap(\.queryVectors)), byPatches = Set(hit.matchedPatches.flatMap(\.queryVectors))
            #expect(byWords.isDisjoint(with: byPatches))
            for patch in hit.matchedPatches {
                #expect(Int(patch.vector) > first && Int(patch.vector) < first + 17)
                #expect(patch.queryVectors.allSatisfy { argmax(query[Int($0)]) == Int(patch.vector) })
                let region = stored.pageText.patches
                #expect(patch.x >= region.x && patch.y >= region.y && patch.x + patch.width <= region.x + region.width
                    && patch.y + patch.height <= region.y + region.height)
            }
            for i in 1 ..< query.count - 1 where argmax(query[i]) > first {
                #expect(byPatches.contains(UInt32(i)), "query vector \(i)")
            }

            let refused = try await connection.answer(embedRequest(id: 4, texts: []) {
                $0.inputs = [Self.patchedPage(plain), ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1)]
                $0.model = "all-MiniLM-L6-v2"
                $0.output = .both
            })
            #expect(refused.status.inputErrors.map(\.index) == [0])
            #expect(refused.status.inputErrors.first?.message.contains("vision tower") == true, "\(refused.status)")
            #expect(refused.embed.embeddings[1].pageText.words.count == 7)
        }
    }
}
}
