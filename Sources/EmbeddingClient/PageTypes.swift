public import Foundation
internal import WireProtocol

/// A document page for the server to read into words (OCR, or a PDF page's own text layer) and
/// embed by the model's text tower as that text.
public struct PageInput: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A PNG or JPEG image of the page.
        case image(Data)
        /// A PDF file; `pageNumber` picks the page.
        case pdf(Data)
    }

    public var source: Source
    /// PDF only: the page, from 1. 0 = page 1, except in an upsert, where a PDF with page 0
    /// becomes one document per page, ids "<id>#<n>".
    public var pageNumber: Int
    /// OCR languages (Tesseract's names); empty = the server's default.
    public var languages: [String]
    /// For error messages only (a file name).
    public var name: String
    /// Also the page image's patch vectors, after its words' (a model with a vision tower).
    public var includePatches: Bool

    public init(_ source: Source, pageNumber: Int = 0, languages: [String] = [], name: String = "", includePatches: Bool = false) {
        self.source = source
        self.pageNumber = pageNumber
        self.languages = languages
        self.name = name
        self.includePatches = includePatches
    }

    var wire: Multiembed_V1_Page {
        var page = Multiembed_V1_Page()
        switch source {
        case .image(let data): page.image = data
        case .pdf(let data): page.pdf = data
        }
        page.pageNumber = UInt32(clamping: max(0, pageNumber))
        page.languages = languages
        page.name = name
        page.includePatches = includePatches
        return page
    }
}

/// One word of a page's text layer and its box on the page image, in pixels from the top left.
public struct PageWord: Sendable, Hashable {
    public var text: String
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// OCR confidence, 0 to 100; nil for a word of a PDF's text layer.
    public var confidence: Float?
    public var block: Int
    public var line: Int

    init(_ wire: Multiembed_V1_PageWord) {
        text = wire.text
        x = Int(wire.x)
        y = Int(wire.y)
        width = Int(wire.width)
        height = Int(wire.height)
        confidence = wire.confidence < 0 ? nil : wire.confidence
        block = Int(wire.block)
        line = Int(wire.line)
    }
}

/// A page's text layer as the server read it.
public struct PageText: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var words: [PageWord]
    /// The words joined by spaces, a line break between lines.
    public var text: String
    /// "ocr", "pdf" (the PDF's own text layer) or "given".
    public var source: String
    /// Why the layer is empty or partial, if it is.
    public var note: String?
    /// PDF pages: the resolution the boxes are in.
    public var dpi: Int?
    /// Where the page image's patch vectors are, when the page's vectors hold them
    /// (``PageInput/includePatches``).
    public var patches: PagePatches?

    init(_ wire: Multiembed_V1_PageText) {
        width = Int(wire.width)
        height = Int(wire.height)
        words = wire.words.map(PageWord.init)
        text = wire.text
        source = wire.source
        note = wire.note.isEmpty ? nil : wire.note
        dpi = wire.dpi == 0 ? nil : Int(wire.dpi)
        patches = wire.hasPatches ? PagePatches(wire.patches) : nil
    }
}

/// Where a page's image vectors are: the last `vectors` of its multi-vector, `leading` vectors of
/// the whole image first (CLIP's class token), then one per patch, row by row over a `rows` x
/// `columns` grid covering `x, y, width, height` of the page image (pixels).
public struct PagePatches: Sendable, Hashable {
    public var vectors: Int
    public var leading: Int
    public var rows: Int
    public var columns: Int
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    init(_ wire: Multiembed_V1_PagePatches) {
        vectors = Int(wire.vectors)
        leading = Int(wire.leading)
        rows = Int(wire.rows)
        columns = Int(wire.columns)
        x = Int(wire.x)
        y = Int(wire.y)
        width = Int(wire.width)
        height = Int(wire.height)
    }
}

/// A word of a page hit that gave query vectors their best match (``SearchParameters/includeMatches``).
public struct MatchedWord: Sendable, Hashable {
    /// Its index in the page's ``PageText/words``.
    public var wordIndex: Int
    public var word: PageWord
    /// The query vectors whose maximum it gave.
    public var queryVectors: [Int]
    /// Its share of the page's MaxSim score.
    public var score: Float

    init(_ wire: Multiembed_V1_MatchedWord) {
        wordIndex = Int(wire.wordIndex)
        word = PageWord(wire.word)
        queryVectors = wire.queryVectors.map { Int($0) }
        score = wire.score
    }
}

/// A patch of a page hit's image that gave query vectors their best match
/// (``SearchParameters/includeMatches``, a page upserted with ``PageInput/includePatches``).
public struct MatchedPatch: Sendable, Hashable {
    /// Its vector in the page's multi-vector.
    public var vector: Int
    /// Its box on the page image, in pixels.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// The query vectors whose maximum it gave, and their sum.
    public var queryVectors: [Int]
    public var score: Float

    init(_ wire: Multiembed_V1_MatchedPatch) {
        vector = Int(wire.vector)
        x = Int(wire.x)
        y = Int(wire.y)
        width = Int(wire.width)
        height = Int(wire.height)
        queryVectors = wire.queryVectors.map { Int($0) }
        score = wire.score
    }
}

