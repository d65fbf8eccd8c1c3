import Foundation

extension PDFFile {
    /// The words of page `page` (from 0) with their boxes in pixels at `dpi`, from the PDF's
    /// own text layer: exact where the document has one, and far cheaper than rendering and
    /// OCR. Nil when the page has no text (a scan without an OCR layer, or a drawing): render it.
    ///
    /// Runs `pdftotext -bbox-layout -cropbox` on that page alone. Coordinates are those of the
    /// displayed page (crop box, /Rotate applied), the same frame `render` draws, scaled by
    /// dpi / 72: a word's box lies on the word in the image of the same page at the same dpi.
    /// Invisible text (the OCR layer of a scanned PDF) counts as text.
    public func textLayer(page: Int, dpi: Int) throws(PDFError) -> PDFTextLayer? {
        try check(page: page, dpi: dpi)
        let number = String(page + 1)
        let output = try run(
            "pdftotext",
            ["-bbox-layout", "-cropbox", "-enc", "UTF-8", "-f", number, "-l", number, fileArgument, "-"],
            maxStdoutBytes: limits.maxTextBytes)
        let (width, height) = pageSizes[page].pixelSize(dpi: dpi)
        let words = BBoxLayoutParser.words(in: output.stdout).compactMap {
            Self.pixelWord($0, scale: Double(dpi) / 72, width: width, height: height)
        }
        return words.isEmpty ? nil : PDFTextLayer(words: words, width: width, height: height, dpi: dpi)
    }

    /// A word's box in pixels: the smallest pixel rectangle covering its box in points, clipped
    /// to the page. Words that are blank or lie wholly off the page are dropped.
    static func pixelWord(_ word: BBoxLayoutParser.Word, scale: Double, width: Int, height: Int) -> PDFWord? {
        let text = word.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        func clip(_ value: Double, _ limit: Int) -> Int {
            Int(min(max(value, 0), Double(limit)))
        }
        let left = clip((word.xMin * scale).rounded(.down), width)
        let top = clip((word.yMin * scale).rounded(.down), height)
        let right = clip((word.xMax * scale).rounded(.up), width)
        let bottom = clip((word.yMax * scale).rounded(.up), height)
        guard right > left, bottom > top else { return nil }
        return PDFWord(
            text: text, x: left, y: top, width: right - left, height: bottom - top, block: word.block, line: word.line)
    }
}
