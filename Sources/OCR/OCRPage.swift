/// The text layer of one page image.
public struct OCRPage: Sendable, Codable, Equatable {
    /// Size of the image that was recognised, in pixels (the frame of every word's box).
    public var width: Int
    public var height: Int
    /// The words in reading order.
    public var words: [OCRWord]
    /// Why the text layer is empty or partial, when it is: a blank page, a page with no text
    /// found, regions left out as noise, the time limit reached. Nil when Tesseract read the whole
    /// page. A caller indexing pages should store it: an empty page with a note is a finding,
    /// not a failure.
    public var note: String?

    public init(width: Int, height: Int, words: [OCRWord], note: String? = nil) {
        self.width = width
        self.height = height
        self.words = words
        self.note = note
    }

    /// The plain text: the words of a line joined by single spaces, lines separated by "\n".
    /// Paragraph breaks and indentation are not kept; embedding models do not need them.
    public var text: String {
        var lines: [String] = []
        var current: [String] = []
        var currentLine: Int? = nil
        for word in words {
            if word.line != currentLine, !current.isEmpty {
                lines.append(current.joined(separator: " "))
                current.removeAll(keepingCapacity: true)
            }
            currentLine = word.line
            current.append(word.text)
        }
        if !current.isEmpty { lines.append(current.joined(separator: " ")) }
        return lines.joined(separator: "\n")
    }
}
