/// A rectangle in the pixels of the image that was recognised: top-left origin, `x` to the
/// right, `y` down, the same frame as `RGBImage`, so a box can be cut out of the page directly.
public struct PixelBox: Sendable, Codable, Hashable {
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

/// One word of a page as Tesseract read it.
public struct OCRWord: Sendable, Codable, Equatable {
    /// The word's characters (UTF-8 from Tesseract, never empty, no spaces).
    public var text: String
    /// Where the word is on the page.
    public var box: PixelBox
    /// Tesseract's confidence in the word, 0...100 (the mean over its characters).
    public var confidence: Float
    /// Index of the layout block (column, heading, ...) holding the word: 0, 1, 2, ... in
    /// Tesseract's reading order, page-wide.
    public var block: Int
    /// Index of the text line holding the word: 0, 1, 2, ... in reading order, page-wide and
    /// without gaps, so words with equal `line` print on one line.
    public var line: Int

    public init(text: String, box: PixelBox, confidence: Float, block: Int, line: Int) {
        self.text = text
        self.box = box
        self.confidence = confidence
        self.block = block
        self.line = line
    }
}

extension PixelBox {
    /// The smallest box holding both.
    static func union(_ a: PixelBox, _ b: PixelBox) -> PixelBox {
        let left = min(a.x, b.x), top = min(a.y, b.y)
        let right = max(a.x + a.width, b.x + b.width), bottom = max(a.y + a.height, b.y + b.height)
        return PixelBox(x: left, y: top, width: right - left, height: bottom - top)
    }
}
