import Testing

@testable import PDFPages

/// Reading the binary PPM images pdftoppm writes.
@Suite struct PPMImageTests {
    @Test func ppm() throws {
        var bytes = Array("P6\n# made by hand\n2 1\n255\n".utf8) + [1, 2, 3, 4, 5, 6]
        #expect(try PPMImage.parse(&bytes, maxPixels: 2) == (2, 1))
        #expect(bytes == [1, 2, 3, 4, 5, 6])

        var short = Array("P6 2 1 255\n".utf8) + [1, 2, 3]
        #expect(throws: PPMImage.ParseError.truncated(expected: 6, got: 3)) { try PPMImage.parse(&short, maxPixels: 2) }
        var headerOnly = Array("P6\n1275 1650\n255\n".utf8)
        #expect(throws: PPMImage.ParseError.truncated(expected: 1275 * 1650 * 3, got: 0)) {
            try PPMImage.parse(&headerOnly, maxPixels: 1 << 30)
        }
        var large = Array("P6 100000 100000 255\n".utf8)
        #expect(throws: PPMImage.ParseError.tooLarge(width: 100_000, height: 100_000)) { try PPMImage.parse(&large, maxPixels: 1000) }
        for header in ["P5 1 1 255\n", "P6 1 1 65535\n", "P6 0 1 255\n", "P6 1x1 255\n", "P6 99999999999 1 255\n", "P6"] {
            var bytes = Array(header.utf8) + [0, 0, 0]
            #expect(throws: PPMImage.ParseError.self) { try PPMImage.parse(&bytes, maxPixels: 1 << 30) }
        }
    }
}
