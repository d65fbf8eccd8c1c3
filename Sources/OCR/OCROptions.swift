/// What an `OCREngine` reads with and how much it may spend on one page.
///
/// The page segmentation mode is not an option: it is always Tesseract's automatic layout
/// analysis without orientation detection (PSM_AUTO), the mode for document pages. Orientation
/// detection would need osd.traineddata, which Debian's tesseract-ocr-eng does not install.
public struct OCROptions: Sendable, Hashable {
    /// The default of `maxPixels`: 25 million pixels. It holds an A4 page scanned at 500 dpi
    /// (4134 x 5846) and a 1240 x 20000 strip; that strip, 12 pages of text, took 11 s to read
    /// and its process peaked at 344 MB (95 MB with one page): about 11 bytes a pixel, the RGB
    /// input included. Pages beyond are better split, or scaled to 300 dpi, first.
    public static let defaultMaxPixels = 25_000_000

    /// Tesseract language codes, each naming `<code>.traineddata` in the data folder ("eng",
    /// "deu", "chi_sim", ...). Several are tried together (Tesseract's "eng+deu"), in this order.
    public var languages: [String]
    /// The most a page may spend in Tesseract's recognition before it stops and returns the words
    /// read so far with a note. Layout analysis, which runs first, cannot be interrupted; the
    /// noise check and `maxPixels` are what bound it.
    public var timeLimit: Duration
    /// The folder holding the .traineddata files. Nil: the environment's TESSDATA_PREFIX if set,
    /// else the first Debian tessdata folder that exists (/usr/share/tesseract-ocr/5/tessdata, ...).
    public var dataPath: String?
    /// The largest page accepted, in pixels (width x height); larger pages are refused before
    /// Tesseract sees them, since its time and memory grow with the page.
    public var maxPixels: Int

    public init(
        languages: [String] = ["eng"], timeLimit: Duration = .seconds(20), dataPath: String? = nil,
        maxPixels: Int = OCROptions.defaultMaxPixels
    ) {
        self.languages = languages
        self.timeLimit = timeLimit
        self.dataPath = dataPath
        self.maxPixels = maxPixels
    }
}
