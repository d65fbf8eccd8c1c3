import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// `multiembed index add --pages`: page images by OCR and PDF pages by their text layer, ids
/// from file names, and `search` showing the words that matched.
@Suite struct PageIndexCommandTests {
    let model = Fixtures.defaultModel.path

    @Test func pagesAreIndexedByFileNameAndSearchShowsTheMatchedWords() throws {
        let folder = try TemporaryDirectory()
        let pages = folder.url.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("pages/d1.png"), to: pages.appendingPathComponent("shutdown.png"))
        let pdf = PDFBuilder(pages: [
            .init(content: PDFBuilder.text("Quarterly revenue table", x: 72, y: 700)),
            .init(content: PDFBuilder.text("Minutes of the board meeting", x: 72, y: 700)),
        ])
        try Data(pdf.bytes).write(to: pages.appendingPathComponent("report.pdf"))
        let data = folder.url.appendingPathComponent("data").path

        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, "--pages", pages.path])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("added=3 failed=0"), "\(added.stdout)")

        let found = try CommandRunner.run(
            ["search", "--data-dir", data, "--collection", "p", "--model", model, "--top-k", "2", "power off or reboot the machine"])
        #expect(found.status == 0, "\(found.stderr)")
        let lines = found.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: "\t").dropFirst(2).first == "shutdown", "\(found.stdout)")
        #expect(lines.count > 1 && lines[1].hasPrefix("\tmatched: ") && lines[1].contains("reboot"), "\(found.stdout)")

        // --highlight writes the hit as a PNG of the page, the matched words framed in red.
        let pictures = folder.url.appendingPathComponent("highlights")
        let drawn = try CommandRunner.run(
            ["search", "--data-dir", data, "--collection", "p", "--model", model, "--top-k", "1", "--highlight", pictures.path,
             "power off or reboot the machine"])
        #expect(drawn.stdout.contains("highlighted: "), "\(drawn.stdout) \(drawn.stderr)")
        let picture = try ImageDecoder.decode(
            [UInt8](try Data(contentsOf: pictures.appendingPathComponent("1-shutdown.png"))), name: "highlight")
        let page = try ImageDecoder.decode([UInt8](try Data(contentsOf: Fixtures.url("pages/d1.png"))), name: "page")
        #expect(picture.width == page.width && picture.height == page.height)
        let red = stride(from: 0, to: picture.pixels.count, by: 3).filter { picture.pixels[$0] == 230 && picture.pixels[$0 + 1] == 20 }.count
        #expect(red > 100)

        let board = try CommandRunner.run(["search", "--data-dir", data, "--collection", "p", "--model", model, "--top-k", "1", "board meeting"])
        #expect(board.stdout.split(separator: "\n").first?.split(separator: "\t").dropFirst(2).first == "report#2", "\(board.stdout)")

        // Judged queries name pages by those ids.
        let queries = folder.url.appendingPathComponent("queries.jsonl")
        try Data(#"""
        {"id": "q1", "text": "halt, power off or reboot the machine", "relevant": ["shutdown"]}
        {"id": "q2", "text": "quarterly revenue", "relevant": ["report#1"]}
        """#.utf8).write(to: queries)
        let judged = try CommandRunner.run(["eval", "retrieval", "--data-dir", data, "--collection", "p", "--model", model, "--queries", queries.path])
        #expect(judged.stdout.contains("queries=2 ndcg@10=1.0000 recall@1=1.0000"), "\(judged.stdout) \(judged.stderr)")
    }

    /// A blank page and a page of noise are stored with an empty (or nearly empty) text layer
    /// and a warning saying why; the pages beside them are indexed as usual.
    @Test func blankAndNoisyPagesAreIndexedWithAWarning() throws {
        let folder = try TemporaryDirectory()
        let pages = folder.url.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        let blank = RGBImage(width: 600, height: 800, pixels: Array(repeating: 255, count: 600 * 800 * 3))
        try Data(try PNGEncoder.encode(blank)).write(to: pages.appendingPathComponent("blank.png"))
        var generator = SeededGenerator(state: 5)
        let noise = RGBImage(width: 600, height: 800, pixels: (0 ..< 600 * 800).flatMap { _ -> [UInt8] in
            let value: UInt8 = Bool.random(using: &generator) ? 0 : 255
            return [value, value, value]
        })
        try Data(try PNGEncoder.encode(noise)).write(to: pages.appendingPathComponent("noise.png"))
        try FileManager.default.copyItem(at: Fixtures.url("pages/d1.png"), to: pages.appendingPathComponent("shutdown.png"))
        let data = folder.url.appendingPathComponent("data").path
        let added = try CommandRunner.run(["index", "add", "--data-dir", data, "--collection", "p", "--model", model, "--pages", pages.path])
        #expect(added.status == 0 && !added.crashed, "\(added.stderr)")
        #expect(added.stdout.contains("added=3 failed=0"), "\(added.stdout)")
        #expect(added.stderr.contains("warning: blank: note: "), "\(added.stderr)")
        #expect(added.stderr.contains("warning: noise: note: "), "\(added.stderr)")
        let found = try CommandRunner.run(["search", "--data-dir", data, "--collection", "p", "--model", model, "--top-k", "1", "reboot the machine"])
        #expect(found.stdout.split(separator: "\n").first?.split(separator: "\t").dropFirst(2).first == "shutdown", "\(found.stdout)")
    }

    @Test func embedPagesWritesEachPagesTextAndVector() throws {
        let folder = try TemporaryDirectory()
        let pdf = folder.url.appendingPathComponent("report.pdf")
        try Data(PDFBuilder(pages: [
            .init(content: PDFBuilder.text("Quarterly revenue table", x: 72, y: 700)),
            .init(content: PDFBuilder.text("Minutes of the board", x: 72, y: 700)),
        ]).bytes).write(to: pdf)
        let broken = folder.url.appendingPathComponent("broken.png")
        try Data("not a png".utf8).write(to: broken)
        let run = try CommandRunner.run(["embed", "--model", model, "--pages", pdf.path, broken.path])
        #expect(run.status != 0 && !run.crashed)
        let lines = try run.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == 3)
        #expect(lines.map { $0["id"] as? String } == ["report#1", "report#2", "broken"])
        #expect(lines[0]["text"] as? String == "Quarterly revenue table")
        #expect(lines[0]["words"] as? Int == 3)
        #expect((lines[1]["embedding"] as? [Double])?.count == 384)
        #expect((lines[2]["error"] as? String)?.contains("broken") == true)
    }

    @Test func badPagesFailAloneAndTwoFilesWithOneNameAreRefused() throws {
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        let broken = folder.url.appendingPathComponent("broken.png")
        try Data("not a png".utf8).write(to: broken)
        let fine = folder.url.appendingPathComponent("fine.pdf")
        try Data(PDFBuilder(pages: [.init(content: PDFBuilder.text("Hello", x: 72, y: 700))]).bytes).write(to: fine)
        let run = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "p", "--model", model, "--pages", broken.path, fine.path])
        #expect(run.status != 0 && !run.crashed)
        #expect(run.stdout.contains("added=1 failed=1"), "\(run.stdout)")
        #expect(run.stderr.contains("broken"), "\(run.stderr)")

        let other = folder.url.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data(PDFBuilder(pages: [.init(content: PDFBuilder.text("Hi", x: 72, y: 700))]).bytes).write(to: other.appendingPathComponent("fine.pdf"))
        let clash = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "q", "--model", model, "--pages", fine.path, other.path])
        #expect(clash.status != 0 && !clash.crashed)
        #expect(clash.stderr.contains("would both be page 'fine'"), "\(clash.stderr)")

        let language = try CommandRunner.run(
            ["index", "add", "--data-dir", data, "--collection", "r", "--model", model, "--ocr-languages", "xxx", "--pages", fine.path])
        #expect(language.status != 0 && !language.crashed)
        #expect(language.stderr.contains("xxx"), "\(language.stderr)")
    }
}
