/// A page's text layer: its words in reading order with their boxes, where they came from, and
/// why it is empty or partial when it is.
public struct PageText: Sendable, Hashable, Codable {
    /// Where the words came from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// Read from the page image by OCR.
        case ocr
        /// A PDF page's own text layer (exact, no OCR).
        case pdf
        /// Given by the caller.
        case given
    }

    /// Size of the page image the boxes refer to, in pixels.
    public var width: Int
    public var height: Int
    public var words: [PageWord]
    public var source: Source
    /// Why the layer is empty or partial (a blank page, OCR's time limit), for the user.
    public var note: String?
    /// A PDF page's rendering resolution, which its boxes are in; nil for page images.
    public var dpi: Int?

    public init(width: Int, height: Int, words: [PageWord], source: Source, note: String? = nil, dpi: Int? = nil) {
        self.width = width
        self.height = height
        self.words = words
        self.source = source
        self.note = note
        self.dpi = dpi
    }

    /// The plain text: words joined by spaces, a line break between lines.
    public var text: String {
        var result = ""
        var previous: (block: Int, line: Int)?
        for word in words {
            if let previous {
                result += previous == (word.block, word.line) ? " " : "\n"
            }
            result += word.text
            previous = (word.block, word.line)
        }
        return result
    }
}
