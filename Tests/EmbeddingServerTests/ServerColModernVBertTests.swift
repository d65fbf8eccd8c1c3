import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("ColModernVBERT served: Embed, Upsert, Search and Score")
struct ServerColModernVBertTests {
    /// The parts of `tiny-colmodernvbert/golden.json` (colpali-engine 0.3.18) these tests use.
    struct Golden: Decodable {
        struct Image: Decodable {
            var file: String
            var vectors: [[Float]]
        }
        struct Query: Decodable {
            var text: String
            var vectors: [[Float]]
        }
        var embedding_dim: Int
        var images: [Image]
        var queries: [Query]
        /// `scores[query][image]`.
        var scores: [[Float]]
    }

    static let folder = Fixtures.url("tiny-colmodernvbert")

    static func golden() throws -> Golden { try Fixtures.load(Golden.self, from: "tiny-colmodernvbert/golden.json") }

    /// The fixture model, its images allowed at most `maxTiles` tiles.
    static func bundle(maxTiles: Int = ModernVBertArchitecture.defaultMaxTiles) throws -> ModelBundle {
        let modelFolder = try ModelFolder(directory: folder)
        let encoder = try ModernVBertArchitecture.loadEncoder(modelFolder, maxTiles: maxTiles)
        return ModelBundle(directory: folder, modelType: modelFolder.modelType, encoders: .lateInteractionVisual(encoder))
    }

    static func imageBytes(_ file: String) throws -> Data { try Data(contentsOf: Fixtures.url("images/\(file)")) }

    static func imageInput(_ file: String) throws -> Multiembed_V1_Input {
        var input = Multiembed_V1_Input()
        input.image.data = try imageBytes(file)
        input.image.name = file
        return input
    }

    static func embed(id: UInt64, model: String, inputs: [Multiembed_V1_Input]) -> Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = id
        request.embed.model = model
        request.embed.inputs = inputs
        request.embed.output = .multiVector
        return request
    }

    @Test("Info describes it; Embed gives images' and pages' vectors as the encoder does alone, texts' as colpali-engine's queries")
    func embed() async throws {
        let golden = try Self.golden()
        let bundle = try Self.bundle()
        let encoder = try #require(bundle.lateInteractionVisual)
        try await withServer(models: [bundle]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var info = Multiembed_V1_Request()
            info.id = 1
            info.info = .init()
            let model = try #require(try await connection.answer(info).info.models.first)
            #expect(model.tokenDimension == UInt32(golden.embedding_dim))
            #expect(model.dimension == 0)
            #expect(model.inputKinds == [.text, .image, .page])
            #expect(model.imageSize == 64)

            // All images in one request, so one batch: each equals its encoding alone, bit for bit.
            let images = try await connection.ok(Self.embed(id: 2, model: bundle.name, inputs: try golden.images.map { try Self.imageInput($0.file) })).embed
            #expect(images.embeddings.count == golden.images.count)
            for (embedding, image) in zip(images.embeddings, golden.images) {
                let ours = ServerLateInteractionEmbedTests.rows(embedding.multiVector)
                let alone = try encoder.encode(image: try ImageDecoder.decode([UInt8](try Self.imageBytes(image.file)), name: image.file))
                #expect(ours == alone, "\(image.file)")
                #expect(ours.count == image.vectors.count, "\(image.file)")
                // Our own resizing and tiling, not the reference's pixel values: cosine >= 0.999.
                for (a, b) in zip(ours, image.vectors) { #expect(Closeness.cosine(a, b) >= 0.999, "\(image.file)") }
            }

            // A page is its image: the same vectors.
            var page = Multiembed_V1_Input()
            page.page.image = try Self.imageBytes(golden.images[0].file)
            let paged = try await connection.ok(Self.embed(id: 3, model: bundle.name, inputs: [page])).embed
            #expect(paged.embeddings[0].multiVector == images.embeddings[0].multiVector)
            // A PDF page is rendered, then tiled like an image; no text layer is read.
            let rendered = try await connection.answer(Self.embed(id: 6, model: bundle.name, inputs: [
                ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1), ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 9),
            ]))
            #expect(rendered.status.inputErrors.map(\.index) == [1], "\(rendered.status)")
            #expect(rendered.embed.embeddings[0].multiVector.dimension == UInt32(golden.embedding_dim))
            #expect(rendered.embed.embeddings[0].multiVector.count > 0)
            #expect(!rendered.embed.embeddings[0].hasPageText)

            let texts = golden.queries.map(\.text)
            let queries = try await connection.ok(ServerLateInteractionEmbedTests.multiVectorRequest(id: 4, model: bundle.name, texts: texts)).embed
            for (embedding, query) in zip(queries.embeddings, golden.queries) {
                let ours = ServerLateInteractionEmbedTests.rows(embedding.multiVector)
                #expect(ours.count == query.vectors.count)
                for (a, b) in zip(ours, query.vectors) { #expect(Closeness.maxAbsDifference(a, b) <= 1e-4, "\(query.text)") }
            }
            let pooled = try await connection.answer(embedRequest(id: 5, texts: ["x"]) { $0.model = bundle.name })
            #expect(pooled.status.code == .invalidArgument)
        }
    }

    @Test("an image needing more tiles than max_tiles (or the model) allows fails alone, naming the input and the limit")
    func tileLimit() async throws {
        // document-page.png needs 2x2 tiles plus the global one; tall-40x200.png 2x1 plus one.
        let bundle = try Self.bundle(maxTiles: 3)
        try await withServer(models: [bundle]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let inputs = [try Self.imageInput("document-page.png"), try Self.imageInput("tall-40x200.png")]
            let answer = try await connection.answer(Self.embed(id: 1, model: bundle.name, inputs: inputs))
            #expect(answer.status.code == .ok)
            #expect(answer.status.inputErrors.map(\.index) == [0])
            let error = try #require(answer.status.inputErrors.first)
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("input 0") && error.message.contains("document-page.png"), "\(error.message)")
            #expect(error.message.contains("limit of 3 tiles"), "\(error.message)")
            #expect(answer.embed.embeddings[1].multiVector.count > 0)
        }
        // The same through the server's configured limit, with the model loaded for 17 tiles.
        let full = try Self.bundle()
        try await withServer(models: [full], configure: { $0.limits.maxTiles = 3 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let inputs = [try Self.imageInput("document-page.png"), try Self.imageInput("tall-40x200.png")]
            let answer = try await connection.answer(Self.embed(id: 2, model: full.name, inputs: inputs))
            #expect(answer.status.inputErrors.map(\.index) == [0])
            #expect(answer.status.inputErrors.first?.message.contains("limit of 3 tiles") == true)
            #expect(answer.embed.embeddings[1].multiVector.count > 0)
        }
    }

    @Test("Upsert of images, then Search and Score by text query rank as colpali-engine does; scores by MaxSim within 1e-4")
    func collections() async throws {
        let golden = try Self.golden()
        let bundle = try Self.bundle()
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory, models: [bundle]) { connection in
            let created = try await connection.ok(CollectionRequest.create("pages")).createCollection.collection
            #expect(created.dimension == UInt32(golden.embedding_dim))
            var documents: [(id: String, content: Multiembed_V1_MultiVectorSource)] = []
            for image in golden.images {
                var source = Multiembed_V1_MultiVectorSource()
                source.input = try Self.imageInput(image.file)
                documents.append((image.file, source))
            }
            _ = try await connection.ok(CollectionRequest.upsert("pages", documents))
            // Collections refuse an empty text (one golden query is ""; Embed above takes it).
            for (row, query) in golden.queries.enumerated() where !query.text.allSatisfy(\.isWhitespace) {
                let hits = try await connection.ok(CollectionRequest.search("pages", textSource(query.text), topK: 3)).search.hits
                let reference = golden.scores[row].indices.sorted { golden.scores[row][$0] > golden.scores[row][$1] }
                #expect(hits.map(\.id) == reference.map { golden.images[$0].file }, "\(query.text)")
                // Against the reference's own image vectors: MaxSim equal to colpali-engine's.
                let scored = try await connection.ok(CollectionRequest.score(textSource(query.text), golden.images.map { vectorSource($0.vectors) })).score
                for (ours, theirs) in zip(scored.scores, golden.scores[row]) {
                    #expect(abs(ours - theirs) <= 1e-4, "\(query.text): \(ours) vs \(theirs)")
                }
            }
            // A text is a query only: upserting one as a document fails, naming it.
            let text = try await connection.answer(CollectionRequest.upsert("pages", [("t", textSource("a text"))]))
            #expect(text.status.code == .invalidArgument)
            #expect(text.status.message.contains("document 0"), "\(text.status.message)")
        }
    }
}
}
