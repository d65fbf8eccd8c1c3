import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import LateInteraction
import Pages
import Testing

/// `--pages` with models other than a plain text model: a ColBERT-style model (its document
/// path), and `--page-patches` with a model that has a vision tower (tiny-clip).
@Suite struct PageModelsCommandTests {
    /// A one-page PDF with a text layer (so no OCR) and the words on it.
    static func reportPDF(in folder: TemporaryDirectory) throws -> URL {
        let pdf = folder.url.appendingPathComponent("report.pdf")
        try Data(PDFBuilder(pages: [
            .init(content: PDFBuilder.text("Quarterly revenue table, by region.", x: 72, y: 700)),
            .init(content: PDFBuilder.text("Minutes of the board", x: 72, y: 700)),
        ]).bytes).write(to: pdf)
        return pdf
    }

    @Test func aColBERTModelIndexesPagesThroughItsDocumentPathAndSearchShowsTheirWords() throws {
        let model = try ColBERTFixture.make()
        let colbert = try #require(try ModelBundle.load(directory: model.url).lateInteraction)
        let folder = try TemporaryDirectory()
        let pdf = try Self.reportPDF(in: folder)
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "c", "--model", model.url.path, "--pages", pdf.path])
        #expect(added.status == 0 && !added.crashed, "\(added.stderr)")
        #expect(added.stdout.contains("added=2 failed=0"), "\(added.stdout)")

        let stored = try LocalVectorStore(directory: data).get(["report#1"], from: "c")
        let document = try #require(stored.first)
        let attachment = try #require(document.attachment.flatMap(PageAttachment.decode))
        #expect(attachment.page.text == "Quarterly revenue table, by region.")
        // One window: the vectors of the page's text as a document, the skip list applied.
        let reference = try colbert.encodeDocuments([attachment.page.text])[0]
        #expect(document.vectors.count == reference.count)
        #expect(Closeness.maxAbsDifference(document.vectors.values, reference.flatMap { $0 }) < 1e-5)
        #expect(attachment.vectorWords.count == document.vectors.count)
        #expect(document.pooled == nil)

        let found = try CommandRunner.run(
            ["search", "--data-dir", data, "--collection", "c", "--model", model.url.path, "--top-k", "2", "quarterly revenue"])
        #expect(found.status == 0, "\(found.stderr)")
        let matched = found.stdout.split(separator: "\n").filter { $0.hasPrefix("\tmatched: ") }
        #expect(!matched.isEmpty, "\(found.stdout)")
        let pageWords = ["Quarterly", "revenue", "table,", "by", "region.", "Minutes", "of", "the", "board"]
        for line in matched {
            for entry in line.dropFirst("\tmatched: ".count).components(separatedBy: "), ") {
                #expect(pageWords.contains(String(entry.split(separator: " ").first ?? "")), "\(line)")
            }
        }

        let dense = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "d", "--kind", "dense", "--model", model.url.path, "--pages", pdf.path])
        #expect(dense.status != 0 && dense.stderr.contains("no pooled embedding"), "\(dense.stderr)")
    }

    @Test func embedPagesWithAColBERTModelWritesTheDocumentVectors() throws {
        let model = try ColBERTFixture.make()
        let colbert = try #require(try ModelBundle.load(directory: model.url).lateInteraction)
        let folder = try TemporaryDirectory()
        let run = try CommandRunner.run(["embed", "--model", model.url.path, "--pages", try Self.reportPDF(in: folder).path])
        #expect(run.status == 0 && !run.crashed, "\(run.stderr)")
        let lines = try run.jsonLines()
        #expect(lines.count == 2)
        #expect(lines[0]["embedding"] == nil)
        let vectors = try #require(lines[1]["vectors"] as? [[Double]])
        let reference = try colbert.encodeDocuments(["Minutes of the board"])[0]
        #expect(vectors.count == reference.count)
        #expect(Closeness.maxAbsDifference(vectors.flatMap { $0 }.map(Float.init), reference.flatMap { $0 }) < 1e-6)
    }

    @Test func pagePatchesAddTheImagesPatchVectorsOrAreRefusedWithoutAVisionTower() throws {
        let folder = try TemporaryDirectory()
        let pages = folder.url.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("pages/d1.png"), to: pages.appendingPathComponent("shutdown.png"))
        let pdf = try Self.reportPDF(in: folder)
        let data = folder.url.appendingPathComponent("data").path
        let clip = Fixtures.url("tiny-clip").path
        let added = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "p", "--model", clip, "--pages", pages.path, pdf.path, "--page-patches"])
        #expect(added.status == 0 && !added.crashed, "\(added.stderr)")
        #expect(added.stdout.contains("added=3 failed=0"), "\(added.stdout)")
        let bundle = try ModelBundle.load(directory: Fixtures.url("tiny-clip"))
        let vision = try #require(bundle.image)
        for document in try LocalVectorStore(directory: data).get(["shutdown", "report#2"], from: "p") {
            let attachment = try #require(document.attachment.flatMap(PageAttachment.decode))
            let layout = try #require(attachment.patches)
            // Text vectors, then the image's: 1 + 16 for tiny-clip's 4x4 grid.
            #expect(layout.count == 17 && layout.first + layout.count == document.vectors.count)
            #expect(attachment.vectorWords.prefix(layout.first).contains { $0 >= 0 })
            #expect(attachment.vectorWords.suffix(layout.count).allSatisfy { $0 == -1 })
            #expect(document.pooled?.count == 24)
            if document.id == "shutdown" {
                let reference = try vision.embed(
                    [.encoded(bytes: [UInt8](try Data(contentsOf: Fixtures.url("pages/d1.png"))), name: "d1")], options: .init(output: .multiVector))[0].get()
                let rows = (layout.first ..< document.vectors.count).map { document.vectors.row($0) }
                let expected = try #require(reference.tokenVectors)
                #expect(rows.count == expected.count)
                #expect(Closeness.maxAbsDifference(rows.flatMap { $0 }, expected.flatMap { $0 }) < 1e-5)
            }
        }
        // Search shows the words and, where a query token's best match is a patch, its box;
        // --highlight draws both (patches in blue).
        let pictures = folder.url.appendingPathComponent("highlights")
        let found = try CommandRunner.run(
            ["search", "--data-dir", data, "--collection", "p", "--model", clip, "--top-k", "3", "--highlight", pictures.path,
             "halt or reboot the machine"])
        #expect(found.status == 0 && found.stdout.contains("highlighted: "), "\(found.stdout) \(found.stderr)")
        if let line = found.stdout.split(separator: "\n").first(where: { $0.hasPrefix("\tmatched patches: ") }) {
            #expect(line.contains("x"), "\(line)")
        }
        let embedded = try CommandRunner.run(["embed", "--model", clip, "--pages", pdf.path, "--page-patches", "--multi-vector"])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        #expect(((try embedded.jsonLines()).first?["vectors"] as? [[Double]]).map { $0.count > 17 } == true)

        let refused = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "q", "--model", Fixtures.defaultModel.path, "--pages", pdf.path, "--page-patches"])
        #expect(refused.status != 0 && !refused.crashed)
        #expect(refused.stderr.contains("--page-patches") && refused.stderr.contains("no vision tower"), "\(refused.stderr)")
    }
}
