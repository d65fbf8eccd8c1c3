import EmbeddingTesting
import Foundation
import Testing

@testable import PDFPages

/// Opening documents: page count and sizes from pdfinfo, from a path or from bytes.
@Suite struct PDFFileTests {
    @Test func twoPagesFromBytes() throws {
        let file = try openTwoPages()
        #expect(file.pageCount == 2)
        #expect(file.pageSizes == [PDFPageSize(width: 612, height: 792), PDFPageSize(width: 612, height: 792)])
        #expect(file.name == "two-pages.pdf")
    }

    @Test func fromPathMatchesFromBytes() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.write(PDFBuilder.twoPages.bytes, to: "doc.pdf")
        let file = try PDFFile(path: path)
        #expect(file.name == path)
        #expect(file.path == path)
        #expect(file.pageCount == 2)
        #expect(file.pageSizes == (try openTwoPages().pageSizes))
    }

    /// A file named like an option ("-v") must reach poppler as a file, not as an option.
    /// (Only the argument is checked: opening a relative path would mean changing the working
    /// directory of the whole test process.)
    @Test func pathThatLooksLikeAnOption() {
        #expect(PDFFile.argument("-v") == "./-v")
        #expect(PDFFile.argument("dir/-v") == "dir/-v")
        #expect(PDFFile.argument("/tmp/-v") == "/tmp/-v")
    }

    @Test func temporaryFileIsRemovedWithTheLastCopy() throws {
        var file: PDFFile? = try openTwoPages()
        let path = try #require(file?.path)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(path.contains("multiembed-pdf-"))
        var attributes = stat()
        #expect(stat(path, &attributes) == 0 && attributes.st_mode & 0o777 == 0o600)
        var copy = file
        file = nil
        #expect(FileManager.default.fileExists(atPath: path), "a copy still holds it")
        copy?.limits.timeLimit = .seconds(5)
        copy = nil
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// pdfinfo's "Page size" is the crop box before /Rotate; we report what is displayed.
    @Test func cropBoxAndRotation() throws {
        let builder = PDFBuilder(pages: [
            .init(content: PDFBuilder.text("Turned", x: 72, y: 700), extra: "/Rotate 90"),
            .init(content: PDFBuilder.text("Cropped", x: 72, y: 700), extra: "/CropBox [36 36 576 756]"),
            .init(content: "", mediaBox: "0 0 595.276 841.89", extra: "/Rotate -90"),
        ])
        let file = try PDFFile(bytes: builder.bytes, name: "boxes.pdf")
        #expect(file.pageSizes[0] == PDFPageSize(width: 792, height: 612, rotation: 90))
        #expect(file.pageSizes[1] == PDFPageSize(width: 540, height: 720, rotation: 0))
        #expect(file.pageSizes[2] == PDFPageSize(width: 841.89, height: 595.276, rotation: 270))
    }

    @Test func pixelSizes() {
        let letter = PDFPageSize(width: 612, height: 792)
        #expect(letter.pixelSize(dpi: 50) == (425, 550))
        #expect(letter.pixelSize(dpi: 150) == (1275, 1650))
        #expect(letter.pixelSize(dpi: 300) == (2550, 3300))
        #expect(PDFPageSize(width: 100.3, height: 0.001).pixelSize(dpi: 72) == (101, 1))
        #expect(PDFPageSize(width: 1e300, height: .infinity).pixelSize(dpi: 10_000) == (1 << 40, 1 << 40))
    }
}
