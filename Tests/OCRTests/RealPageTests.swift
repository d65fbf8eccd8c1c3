import EmbeddingTesting
import ImageIO
@testable import OCR
import Testing

/// Three pages of pages-dev (man-page text typeset by groff, rasterised at 100 and 120 dpi in
/// Helvetica, Palatino and New Century Schoolbook), read and compared with the typeset text.
extension OCRSuite {
@Suite struct RealPageTests {
    static let pages: [PageFixture] = (try? PageFixture.all()) ?? []

    @Test func fixturesArePresent() {
        #expect(Self.pages.map(\.id) == ["d0", "d1", "d3"])
    }

    /// Word recall against the clean text, without and with the resolution given. Measured:
    /// d0 0.955, d1 0.954, d3 0.975 either way; the bound sits just below the lowest.
    @Test(arguments: [false, true])
    func recallOfTheTypesetText(givingResolution: Bool) throws {
        let engine = try OCREngine()
        for fixture in Self.pages {
            let image = try fixture.image()
            let page = try engine.recognize(image, name: fixture.file, dpi: givingResolution ? fixture.dpi : nil)
            let recall = WordRecall.recall(of: fixture.text, in: page.text)
            #expect(recall >= 0.94, "\(fixture.id): recall \(recall)\n\(page.text)")
            #expect(page.note == nil, "\(fixture.id): \(page.note ?? "")")
        }
    }

    /// Boxes lie on the page, lines run top to bottom, confidences are percentages, words are
    /// single tokens, and `text` puts each line on its own.
    @Test func wordGeometry() throws {
        let engine = try OCREngine()
        for fixture in Self.pages {
            let image = try fixture.image()
            let page = try engine.recognize(image, name: fixture.file)
            #expect(page.width == image.width && page.height == image.height)
            #expect(page.words.count > 50)
            for word in page.words {
                #expect(word.box.x >= 0 && word.box.y >= 0 && word.box.width > 0 && word.box.height > 0)
                #expect(word.box.x + word.box.width <= image.width && word.box.y + word.box.height <= image.height)
                #expect((0...100).contains(word.confidence))
                #expect(!word.text.isEmpty && !word.text.contains(" "), "\(word)")
            }
            let lines = Dictionary(grouping: page.words, by: \.line)
            #expect(lines.keys.sorted() == Array(0..<lines.count), "line numbers without gaps")
            // Single-column pages: each line's middle lies below the previous line's top.
            let lineBoxes = (0..<lines.count).map { lines[$0]!.map(\.box).reduce(lines[$0]![0].box, PixelBox.union) }
            for (above, below) in zip(lineBoxes, lineBoxes.dropFirst()) {
                #expect(below.y + below.height / 2 >= above.y, "\(fixture.id): \(below) read after \(above)")
            }
            #expect(page.words.map(\.block) == page.words.map(\.block).sorted(), "blocks in order")
            #expect(page.text.split(separator: "\n").count == lines.count)
        }
    }
}
}
