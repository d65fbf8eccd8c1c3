import EmbeddingTesting
import Foundation
import Testing

@testable import PDFPages

/// Words and boxes from the text layer, in the pixel grid of the rendered page.
@Suite struct TextLayerTests {
    /// Helvetica advance widths (per 1000 em) of the letters used, from the standard AFM.
    static let helvetica: [Character: Double] = [
        "H": 722, "e": 556, "l": 222, "o": 556, "w": 722, "r": 333, "d": 556, " ": 278,
    ]

    static func advance(_ text: String, size: Double) -> Double {
        text.reduce(0) { $0 + helvetica[$1]! } * size / 1000
    }

    /// "Hello world" was drawn at x = 72 pt, baseline y = 700 pt from the bottom of a 792 pt
    /// page, in 24 pt Helvetica. At 100 dpi a point is 100/72 px.
    @Test func wordsAreWhereTheyWereDrawn() throws {
        let layer = try #require(try openTwoPages().textLayer(page: 0, dpi: 100))
        #expect(layer.width == 850 && layer.height == 1100 && layer.dpi == 100)
        #expect(layer.words.map(\.text) == ["Hello", "world", "A&B", "<x>"])

        let scale = 100.0 / 72
        let baseline = (792.0 - 700) * scale
        let capHeight = 0.718 * 24 * scale  // Helvetica's cap height is 718/1000 em
        let hello = layer.words[0]
        let world = layer.words[1]
        #expect(abs(Double(hello.x) - 72 * scale) <= 2)
        #expect(abs(Double(hello.width) - Self.advance("Hello", size: 24) * scale) <= 3)
        #expect(abs(Double(world.x) - (72 + Self.advance("Hello ", size: 24)) * scale) <= 2)
        for word in [hello, world] {
            // The box spans the letters: from above the capitals down to (and past) the baseline.
            #expect(Double(word.y) <= baseline - capHeight)
            #expect(Double(word.y) >= baseline - 24 * scale - 2)
            #expect(Double(word.y + word.height) >= baseline)
            #expect(Double(word.y + word.height) <= baseline + 0.3 * 24 * scale)
        }
        let small = layer.words[2]
        #expect(abs(Double(small.x) - 300 * scale) <= 2)
        #expect(abs(Double(small.y + small.height) - (792 - 100) * scale) <= 0.3 * 12 * scale)
    }

    @Test func blocksAndLines() throws {
        let layer = try #require(try openTwoPages().textLayer(page: 0, dpi: 72))
        #expect(layer.words.map(\.block) == [0, 0, 1, 1])
        #expect(layer.words.map(\.line) == [0, 0, 1, 1])
        #expect(layer.text == "Hello world\n\nA&B <x>")
    }

    /// At 72 dpi a pixel is a point: the boxes are pdftotext's, rounded outwards.
    @Test func boxesScaleWithResolution() throws {
        let file = try openTwoPages()
        let at72 = try #require(try file.textLayer(page: 0, dpi: 72))
        let at144 = try #require(try file.textLayer(page: 0, dpi: 144))
        for (small, large) in zip(at72.words, at144.words) {
            #expect(abs(large.x - 2 * small.x) <= 2 && abs(large.y - 2 * small.y) <= 2)
            #expect(abs(large.width - 2 * small.width) <= 3 && abs(large.height - 2 * small.height) <= 3)
        }
    }

    @Test func pageWithoutTextHasNoLayer() throws {
        #expect(try openTwoPages().textLayer(page: 1, dpi: 100) == nil)
    }

    /// Page 3 of a file whose other pages have text: only that page is read.
    @Test func onlyTheRequestedPageIsRead() throws {
        let builder = PDFBuilder(pages: [
            .init(content: PDFBuilder.text("first", x: 72, y: 700)), .init(content: ""),
            .init(content: PDFBuilder.text("third", x: 72, y: 700)),
        ])
        let file = try PDFFile(bytes: builder.bytes, name: "three.pdf")
        #expect(try file.textLayer(page: 2, dpi: 72)?.words.map(\.text) == ["third"])
        #expect(try file.textLayer(page: 1, dpi: 72) == nil)
    }
}
