import EmbeddingTesting
import Foundation
import ImageIO
@testable import OCR
import Testing

/// Pages a public endpoint will receive sooner or later. Each ends in a stated outcome (an
/// `OCRError` naming the page, or an empty or partial text layer with a note saying why) in
/// bounded time, without crashing.
extension OCRSuite {
@Suite struct HostilePageTests {
    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    @Test func whitePage() throws {
        let page = try OCREngine().recognize(SyntheticPages.solid(width: 826, height: 1169), name: "white")
        #expect(page == OCRPage(
            width: 826, height: 1169, words: [],
            note: "blank page: every pixel is the same colour (255, 255, 255); no text to read"))
    }

    @Test func blackPage() throws {
        let page = try OCREngine().recognize(SyntheticPages.solid(width: 300, height: 200, gray: 0), name: "black")
        #expect(page.words.isEmpty)
        #expect(page.note == "blank page: every pixel is the same colour (0, 0, 0); no text to read")
    }

    /// Random dots on 10% of a 2000 x 2000 page: 343 s in Tesseract's layout analysis unguarded.
    @Test func speckledPageIsLeftOutQuickly() throws {
        let image = SyntheticPages.dots(width: 2000, height: 2000, density: 0.10)
        let start = Self.clock.now
        let page = try OCREngine().recognize(image, name: "dots")
        let elapsed = Self.clock.now - start
        #expect(page == OCRPage(
            width: 2000, height: 2000, words: [],
            note: "64 of 64 regions of 256 x 256 pixels left out as noise or halftone (up to 4344 specks "
                + "each, over the limit of 1500): Tesseract's layout analysis would take minutes on them"))
        // Measured 0.4 s; a hang guard, not a benchmark.
        #expect(elapsed < .seconds(10))
    }

    /// A speckled region beside text: the region is left out, the text is read.
    @Test func speckledRegionBesideText() throws {
        let text = try PageFixture.all()[0].image()
        let dots = SyntheticPages.dots(width: 1200, height: 1200, density: 0.10)
        var image = SyntheticPages.canvas(width: 2100, height: 1400, pasting: text, at: [(0, 0)])
        image = Self.paste(dots, into: image, x: 880, y: 100)
        let start = Self.clock.now
        let page = try OCREngine().recognize(image, name: "mixed")
        let elapsed = Self.clock.now - start
        // The page alone reads with recall 0.955.
        let recall = WordRecall.recall(of: try PageFixture.all()[0].text, in: page.text)
        #expect(recall >= 0.94, "\(recall)")
        #expect(page.note == "24 of 54 regions of 256 x 256 pixels left out as noise or halftone (up to 4275 "
            + "specks each, over the limit of 1500): Tesseract's layout analysis would take minutes on them")
        #expect(page.words.allSatisfy { $0.box.x + $0.box.width <= 880 }, "no word read in the dots")
        // Measured 1.2 s.
        #expect(elapsed < .seconds(10))
    }

    /// Television snow: every pixel a random gray.
    @Test func grayNoise() throws {
        let image = SyntheticPages.grayNoise(width: 1000, height: 1000)
        let start = Self.clock.now
        let page = try OCREngine().recognize(image, name: "snow")
        let elapsed = Self.clock.now - start
        #expect(page == OCRPage(
            width: 1000, height: 1000, words: [], note: "no text found: Tesseract found no words on the page"))
        // Measured 0.8 s.
        #expect(elapsed < .seconds(10))
    }

    /// A long page of text (d1 twelve times, 826 x 14028) with a 1 s limit: recognition stops at
    /// the limit with the words read so far, the first of the page, and a note. Unlimited, the page
    /// reads as 1,913 words in 4.3 s.
    @Test func timeLimit() throws {
        let text = try PageFixture.all()[1].image()
        let image = SyntheticPages.stacked(text, copies: 12)
        let engine = try OCREngine(options: OCROptions(timeLimit: .seconds(1)))
        let start = Self.clock.now
        let page = try engine.recognize(image, name: "long")
        let elapsed = Self.clock.now - start
        let note = try #require(page.note)
        #expect(note.hasPrefix("time limit of 1.0 s reached after "), "\(note)")
        #expect(note.hasSuffix(" s: \(page.words.count) words kept, the rest of the page was not read"), "\(note)")
        #expect(page.words.count < 1000)
        if let last = page.words.last { #expect(last.box.y < image.height / 2) }
        // Measured 1.4 s: layout analysis (which cannot be stopped), then recognition until 1 s.
        #expect(elapsed < .seconds(8))
    }

    /// 826 x 20000 pixels (16.5 megapixels, under the default limit) with the same text at the
    /// top and at the bottom: read whole, boxes in the page's own coordinates.
    @Test func twentyThousandPixelsTall() throws {
        let text = try PageFixture.all()[0].image()
        let image = SyntheticPages.canvas(width: text.width, height: 20_000, pasting: text, at: [(0, 0), (0, 20_000 - text.height)])
        let page = try OCREngine().recognize(image, name: "tall")
        #expect(page.note == nil)
        // Both copies read as well as the page alone (0.955); not word for word the same, since
        // Tesseract binarises and estimates the resolution over the whole, mostly white, page.
        let clean = try PageFixture.all()[0].text
        let top = page.words.filter { $0.box.y + $0.box.height <= text.height }
        let bottom = page.words.filter { $0.box.y >= 20_000 - text.height }
        #expect(top.count + bottom.count == page.words.count)
        #expect(WordRecall.recall(of: clean, in: top.map(\.text).joined(separator: " ")) >= 0.94)
        #expect(WordRecall.recall(of: clean, in: bottom.map(\.text).joined(separator: " ")) >= 0.94)
        #expect(bottom.allSatisfy { $0.box.y + $0.box.height <= 20_000 })
    }

    /// Refused before Tesseract sees it, naming the page and the limit.
    @Test func overThePixelLimit() throws {
        let engine = try OCREngine(options: OCROptions(maxPixels: 10_000_000))
        let image = SyntheticPages.solid(width: 826, height: 20_000)
        #expect(throws: OCRError.pageTooLarge(name: "tall", width: 826, height: 20_000, maxPixels: 10_000_000)) {
            try engine.recognize(image, name: "tall")
        }
        #expect(OCRError.pageTooLarge(name: "tall", width: 826, height: 20_000, maxPixels: 10_000_000).description
            == "page 'tall' is 826 x 20000 = 16520000 pixels, over the OCR limit of 10000000 pixels")
    }

    /// Tesseract's coordinates are 16-bit: a 40000-pixel side is refused whatever its area.
    @Test func sideLongerThanTesseractReads() throws {
        let image = SyntheticPages.solid(width: 40_000, height: 2)
        #expect(throws: OCRError.pageSideTooLong(name: "strip", width: 40_000, height: 2, maxSide: 32_767)) {
            try OCREngine().recognize(image, name: "strip")
        }
    }

    @Test func zeroSizedImages() throws {
        let engine = try OCREngine()
        #expect(throws: OCRError.emptyImage(name: "nothing", width: 0, height: 0)) {
            try engine.recognize(RGBImage(width: 0, height: 0, pixels: []), name: "nothing")
        }
        #expect(throws: OCRError.emptyImage(name: "line", width: 0, height: 5)) {
            try engine.recognize(RGBImage(width: 0, height: 5, pixels: []), name: "line")
        }
        #expect(OCRError.emptyImage(name: "nothing", width: 0, height: 0).description
            == "page 'nothing' is 0 x 0 pixels: there is nothing to read")
    }

    @Test func onePixel() throws {
        let engine = try OCREngine()
        let white = try engine.recognize(SyntheticPages.solid(width: 1, height: 1), name: "dot")
        #expect(white == OCRPage(
            width: 1, height: 1, words: [],
            note: "blank page: every pixel is the same colour (255, 255, 255); no text to read"))
    }

    /// Too few pixels for a letter, but not uniform: Tesseract is asked, and finds nothing.
    @Test func tinyCheckerboard() throws {
        let engine = try OCREngine()
        for side in [2, 3, 8] {
            let pixels = (0..<(side * side)).flatMap { index -> [UInt8] in
                let dark = (index / side + index % side) % 2 == 0
                return [UInt8](repeating: dark ? 0 : 255, count: 3)
            }
            let page = try engine.recognize(RGBImage(width: side, height: side, pixels: pixels), name: "checker")
            #expect(page == OCRPage(
                width: side, height: side, words: [], note: "no text found: Tesseract found no words on the page"))
        }
    }

    static func paste(_ small: RGBImage, into big: RGBImage, x: Int, y: Int) -> RGBImage {
        var pixels = big.pixels
        for row in 0..<small.height {
            let target = ((y + row) * big.width + x) * 3
            let source = row * small.width * 3
            pixels[target..<(target + small.width * 3)] = small.pixels[source..<(source + small.width * 3)]
        }
        return RGBImage(width: big.width, height: big.height, pixels: pixels)
    }
}
}
