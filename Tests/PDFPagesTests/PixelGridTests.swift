import EmbeddingTesting
import Testing

@testable import PDFPages

/// Text-layer boxes and rendered images share one pixel grid, whatever the page's rotation and
/// crop box: what makes text-layer words and OCR words interchangeable.
@Suite struct PixelGridTests {
    /// The point of the shared pixel grid: on rotated and cropped pages too, each word's box
    /// covers the word's ink in the image `render` makes at the same resolution.
    @Test(arguments: ["", "/Rotate 90", "/Rotate 180", "/Rotate 270", "/CropBox [36 36 576 756]"])
    func boxesCoverTheRenderedWords(extra: String) throws {
        let builder = PDFBuilder(pages: [
            .init(content: PDFBuilder.text("Hello world", x: 72, y: 700) + PDFBuilder.text("lower", x: 300, y: 100),
                extra: extra)
        ])
        let file = try PDFFile(bytes: builder.bytes, name: "page.pdf")
        let dpi = 60
        let layer = try #require(try file.textLayer(page: 0, dpi: dpi))
        let image = try file.render(page: 0, dpi: dpi)
        #expect(layer.width == image.width && layer.height == image.height)
        #expect(layer.words.map(\.text) == ["Hello", "world", "lower"])
        let ink = Ink(image)
        // Helvetica is not embedded: poppler draws a fallback font (DejaVu Sans on a bare
        // Debian) at Helvetica's widths, whose glyphs stand up to a pixel taller at 60 dpi than
        // Helvetica's ascent, which the boxes follow. So the ink must lie within each box
        // grown by 2 px, and mostly within the box itself.
        var covered = 0
        for word in layer.words {
            let inside = ink.darkPixels(x: word.x, y: word.y, width: word.width, height: word.height)
            let grown = ink.darkPixels(x: word.x - 2, y: word.y - 2, width: word.width + 4, height: word.height + 4)
            let around = ink.darkPixels(x: word.x - 4, y: word.y - 4, width: word.width + 8, height: word.height + 8)
            #expect(inside > 20, "\(word.text) has ink in its box")
            #expect(Double(inside) >= 0.9 * Double(grown), "\(word.text)'s ink is mostly in its box")
            #expect(around == grown, "\(word.text)'s ink lies within its box grown by 2 px")
            covered += grown
        }
        #expect(covered == ink.darkPixels(x: 0, y: 0, width: image.width, height: image.height), "no ink outside words")
    }
}
