import EmbeddingTesting
import Testing

@testable import PDFPages

/// Pages rendered to RGB by pdftoppm.
@Suite struct RenderTests {
    /// US Letter (612 x 792 pt) at 50 dpi is 425 x 550 px; text is dark, the rest white.
    @Test func textPageAt50dpi() throws {
        let file = try openTwoPages()
        let image = try file.render(page: 0, dpi: 50)
        #expect(image.width == 425 && image.height == 550)
        #expect(image.rgb.count == 425 * 550 * 3)
        let ink = Ink(image)
        // "Hello world": x from 72 pt, baseline 92 pt below the top, capitals 17 pt high.
        let scale = 50.0 / 72
        let hello = ink.darkPixels(
            x: Int(72 * scale), y: Int((92 - 17.2) * scale), width: Int(118 * scale), height: Int(17.2 * scale) + 1)
        #expect(hello > 100)
        // Nothing but white outside the two lines of text.
        #expect(ink.darkPixels(x: 0, y: 0, width: 425, height: Int(70 * scale)) == 0)
        #expect(ink.darkPixels(x: 0, y: Int(100 * scale), width: 425, height: Int(570 * scale)) == 0)
        let white = (0..<(425 * 40)).allSatisfy { image.rgb[$0 * 3] == 255 && image.rgb[$0 * 3 + 1] == 255 && image.rgb[$0 * 3 + 2] == 255 }
        #expect(white, "the top 40 rows are pure white")
    }

    /// Page 2: a black rectangle from (100, 100) to (300, 300) pt, measured from the bottom left.
    @Test func rectanglePage() throws {
        let image = try openTwoPages().render(page: 1, dpi: 72)
        #expect(image.width == 612 && image.height == 792)
        let ink = Ink(image)
        #expect(ink.isDark(x: 200, y: 792 - 200))
        #expect(ink.darkPixels(x: 101, y: 792 - 299, width: 198, height: 198) == 198 * 198)
        #expect(ink.darkPixels(x: 0, y: 0, width: 612, height: 792) <= 202 * 202)
        #expect(!ink.isDark(x: 50, y: 50) && !ink.isDark(x: 400, y: 700))
    }

    @Test func rotatedPageIsRenderedUpright() throws {
        let builder = PDFBuilder(pages: [.init(content: PDFBuilder.rectangle(x: 0, y: 0, width: 100, height: 50), extra: "/Rotate 90")])
        let file = try PDFFile(bytes: builder.bytes, name: "turned.pdf")
        let image = try file.render(page: 0, dpi: 72)
        #expect(image.width == 792 && image.height == 612)
        // Rotated clockwise, the bottom-left corner of the page goes to the top-left.
        let ink = Ink(image)
        #expect(ink.darkPixels(x: 0, y: 0, width: 50, height: 100) == 50 * 100)
        #expect(ink.darkPixels(x: 0, y: 0, width: 792, height: 612) == 50 * 100)
    }

    /// Our computed size is what pdftoppm produces, for sizes that are not whole pixels too.
    @Test(arguments: [50, 72, 96, 150, 300])
    func computedSizeMatchesRender(dpi: Int) throws {
        let builder = PDFBuilder(pages: [
            .init(content: ""), .init(content: "", mediaBox: "0 0 595.276 841.89"),
            .init(content: "", mediaBox: "0 0 100.3 200.7", extra: "/Rotate 270"),
        ])
        let file = try PDFFile(bytes: builder.bytes, name: "sizes.pdf")
        for page in 0..<file.pageCount {
            let image = try file.render(page: page, dpi: dpi)
            let computed = file.pageSizes[page].pixelSize(dpi: dpi)
            #expect(image.width == computed.width && image.height == computed.height, "page \(page) at \(dpi) dpi")
        }
    }
}
