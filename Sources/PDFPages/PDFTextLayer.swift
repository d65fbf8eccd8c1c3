/// One word of a page's text layer, placed in the pixel grid of the page rendered at the same
/// resolution, so that words from a text layer and words from OCR of `render`'s image are
/// interchangeable downstream.
public struct PDFWord: Sendable, Equatable {
    public var text: String
    /// Box in pixels, origin at the top-left corner of the displayed page. It encloses the
    /// glyphs' full line height (ascent to descent), not only their ink, and is clipped to the
    /// page.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// Index of the word's block (a paragraph-like group) on the page, from 0 in poppler's
    /// reading order.
    public var block: Int
    /// Index of the word's line on the page, from 0, counted across blocks, so `line` alone
    /// identifies a line and words sharing it are in reading order.
    public var line: Int

    public init(text: String, x: Int, y: Int, width: Int, height: Int, block: Int, line: Int) {
        self.text = text
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.block = block
        self.line = line
    }
}

/// The text layer of one page at one resolution.
public struct PDFTextLayer: Sendable, Equatable {
    /// Words in poppler's reading order.
    public var words: [PDFWord]
    /// The page's size in pixels at `dpi`: the size `render(page:dpi:)` returns.
    public var width: Int
    public var height: Int
    public var dpi: Int

    public init(words: [PDFWord], width: Int, height: Int, dpi: Int) {
        self.words = words
        self.width = width
        self.height = height
        self.dpi = dpi
    }

    /// The page's text: words joined by spaces, lines by newlines, blocks by blank lines.
    public var text: String {
        var result = ""
        var previous: PDFWord?
        for word in words {
            if let previous {
                result += previous.block != word.block ? "\n\n" : previous.line != word.line ? "\n" : " "
            }
            result += word.text
            previous = word
        }
        return result
    }
}
