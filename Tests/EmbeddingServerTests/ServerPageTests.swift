import EmbeddingServer
import EmbeddingTesting
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Page inputs: images by OCR, PDFs by their text layer")
struct ServerPageTests {
    /// A two-page PDF: words on page 1, a filled rectangle and no text on page 2.
    static let pdf = PDFBuilder(pages: [
        .init(content: PDFBuilder.text("Quarterly revenue table", x: 72, y: 700) + PDFBuilder.text("Invoice totals by region", x: 72, y: 650)),
        .init(content: PDFBuilder.rectangle(x: 100, y: 100, width: 200, height: 200)),
    ]).bytes

    static func pageInput(pdf: [UInt8], page: UInt32, languages: [String] = []) -> Multiembed_V1_Input {
        var input = Multiembed_V1_Input()
        input.page.pdf = Data(pdf)
        input.page.pageNumber = page
        input.page.languages = languages
        input.page.name = "report.pdf"
        return input
    }

    static func pageInput(image: Data) -> Multiembed_V1_Input {
        var input = Multiembed_V1_Input()
        input.page.image = image
        return input
    }

    static func embed(_ inputs: [Multiembed_V1_Input], output: Multiembed_V1_Output = .both) -> Multiembed_V1_Request {
        embedRequest(id: 5, texts: []) {
            $0.inputs = inputs
            $0.output = output
        }
    }

    @Test("a page image is read by OCR; a PDF page by its own words; both embed as their text")
    func embedPages() async throws {
        let image = try Data(contentsOf: Fixtures.url("pages/d1.png"))
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let response = try await connection.ok(Self.embed([
                Self.pageInput(image: image), Self.pageInput(pdf: Self.pdf, page: 1), Self.pageInput(pdf: Self.pdf, page: 0),
            ]))
            let embeddings = response.embed.embeddings
            #expect(embeddings.count == 3)
            let scanned = embeddings[0].pageText
            #expect(scanned.source == "ocr")
            #expect(scanned.text.lowercased().contains("shutdown"), "\(scanned.text)")
            #expect(scanned.words.allSatisfy { $0.confidence >= 0 && $0.x + $0.width <= scanned.width && $0.y + $0.height <= scanned.height })
            #expect(embeddings[0].pooled.dimension == 384)
            #expect(embeddings[0].multiVector.count > UInt32(scanned.words.count))

            let typeset = embeddings[1].pageText
            #expect(typeset.source == "pdf")
            #expect(typeset.dpi == 150)
            #expect(typeset.words.map(\.text) == ["Quarterly", "revenue", "table", "Invoice", "totals", "by", "region"])
            #expect(typeset.words.allSatisfy { $0.confidence == -1 })
            // Page 0 means page 1 outside Upsert.
            #expect(embeddings[2].pageText == typeset)
            #expect(embeddings[2].multiVector == embeddings[1].multiVector)
            // A page embeds as its text: the same vectors as the text typed in.
            let typed = try await connection.ok(embedRequest(id: 6, texts: [typeset.text]) { $0.output = .both })
            #expect(floats(typed.embed.embeddings[0].pooled.data).count == 384)
            #expect(Closeness.maxAbsDifference(
                floats(typed.embed.embeddings[0].multiVector.data), floats(embeddings[1].multiVector.data)) < 1e-5)
            #expect(response.embed.usage.pixels > 0)
        }
    }

    @Test("bad pages fail alone, naming why; the others are embedded")
    func badPages() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var empty = Multiembed_V1_Input()
            empty.page = Multiembed_V1_Page()
            let response = try await connection.answer(Self.embed([
                Self.pageInput(image: Data("not an image".utf8)),
                Self.pageInput(pdf: Self.pdf, page: 9),
                Self.pageInput(pdf: Array("%PDF-1.4 garbage".utf8), page: 1),
                Self.pageInput(pdf: Self.pdf, page: 1, languages: ["xxx"]),
                empty,
                Self.pageInput(pdf: Self.pdf, page: 1),
            ]))
            #expect(response.status.code == .ok)
            let errors = response.status.inputErrors
            #expect(errors.map(\.index) == [0, 1, 2, 3, 4])
            #expect(errors.allSatisfy { $0.code == .invalidArgument })
            #expect(errors[1].message.contains("page"), "\(errors[1].message)")
            #expect(errors[3].message.contains("xxx"), "\(errors[3].message)")
            #expect(response.embed.embeddings[5].pageText.words.count == 7)
        }
    }

    @Test("a whole PDF upserts as one document per page; Get returns the text layer; Search shows the matched words")
    func pdfCollection() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.create("docs"))
            var source = Multiembed_V1_MultiVectorSource()
            source.input = Self.pageInput(pdf: Self.pdf, page: 0)
            var note = Multiembed_V1_MultiVectorSource()
            note.input.text = "minutes of the board meeting"
            let upserted = try await connection.ok(CollectionRequest.upsert("docs", [("report", source), ("minutes", note)]))
            #expect(upserted.upsert.upserted == 3)
            let list = try await connection.ok(CollectionRequest.list()).listCollections.collections
            #expect(list.first?.documentCount == 3)

            let got = try await connection.ok(CollectionRequest.get("docs", ["report#1", "report#2", "minutes"])).get.documents
            #expect(got.map(\.id) == ["report#1", "report#2", "minutes"])
            #expect(got[0].pageText.words.count == 7 && got[0].pageText.source == "pdf")
            #expect(got[1].hasPageText && got[1].pageText.words.isEmpty)
            #expect(!got[2].hasPageText)

            let found = try await connection.ok(CollectionRequest.search("docs", textSource("revenue by region"), topK: 2) {
                $0.includeMatches = true
            })
            let hit = try #require(found.search.hits.first)
            #expect(hit.id == "report#1")
            let matched = Set(hit.matches.map(\.word.text))
            #expect(matched.isSuperset(of: ["revenue", "region"]), "\(matched)")
            #expect(hit.matches.allSatisfy { got[0].pageText.words[Int($0.wordIndex)] == $0.word })
            let plain = try await connection.ok(CollectionRequest.search("docs", textSource("revenue by region"), topK: 2))
            #expect(plain.search.hits.allSatisfy { $0.matches.isEmpty })
        }
    }

    @Test("Info lists pages among a text model's inputs")
    func infoListsPages() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = Multiembed_V1_Request()
            request.id = 1
            request.info = .init()
            let info = try await connection.ok(request).info
            #expect(info.models.first?.inputKinds == [.text, .page])
        }
    }
}
}
