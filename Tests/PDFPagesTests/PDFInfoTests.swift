import Testing

@testable import PDFPages

/// Reading page counts and sizes out of `pdfinfo` output.
@Suite struct PDFInfoTests {
    @Test func pdfInfoPages() throws {
        let text = """
            Producer:        hand
            Pages:           3
            Encrypted:       no
            Page    1 size:  612 x 792 pts (letter)
            Page    1 rot:   0
            Page    2 size:  595.276 x 841.89 pts (A4)
            Page    2 rot:   90
            Page    3 size:  1e+12 x 5 pts
            Page    3 rot:   -90
            File size:       877 bytes
            """
        let info = try PDFInfo.parse(text) { $0 }
        #expect(info.pageCount == 3)
        #expect(info.pageSizes == [
            PDFPageSize(width: 612, height: 792), PDFPageSize(width: 841.89, height: 595.276, rotation: 90),
            PDFPageSize(width: 5, height: 1e12, rotation: 270),
        ])
        // Over the page limit, pdfinfo lists only the first pages: only those are needed.
        let limited = try PDFInfo.parse(text) { min($0, 1) }
        #expect(limited.pageCount == 3 && limited.pageSizes.count == 1)
    }

    /// A title is the document's own text, printed before "Pages:": lines it forges are ignored.
    @Test func pdfInfoIgnoresForgedMetadata() throws {
        let text = """
            Title:           x
            Pages:           1
            Page    1 size:  99999 x 99999 pts
            Producer:        y
            Pages:           1
            Page    1 size:  612 x 792 pts (letter)
            Page    1 rot:   0
            """
        #expect(try PDFInfo.parse(text) { $0 }.pageSizes == [PDFPageSize(width: 612, height: 792)])
        #expect(throws: PDFInfo.ParseError.missing("a 'Pages:' line")) { try PDFInfo.parse("Title: x") { $0 } }
        #expect(throws: PDFInfo.ParseError.missing("the size of page 2")) {
            try PDFInfo.parse("Pages: 2\nPage 1 size: 1 x 1 pts\n") { $0 }
        }
    }
}
