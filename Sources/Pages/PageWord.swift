/// A rectangle of a page image in pixels, top-left origin.
public struct PixelRect: Sendable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// One word of a page's text layer, where it sits on the page image, and how sure the reader
/// was of it.
public struct PageWord: Sendable, Hashable, Codable {
    public var text: String
    public var box: PixelRect
    /// OCR confidence, 0 to 100; nil for words from a PDF's text layer (exact by construction).
    public var confidence: Float?
    /// Block and line numbers, in reading order: words of one line share both.
    public var block: Int
    public var line: Int

    public init(text: String, box: PixelRect, confidence: Float? = nil, block: Int = 0, line: Int = 0) {
        self.text = text
        self.box = box
        self.confidence = confidence
        self.block = block
        self.line = line
    }
}
