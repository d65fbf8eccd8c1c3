/// Bounds on what one PDF may cost. Each poppler program runs under them, so a hostile file
/// can spend at most `timeLimit` of one core and `memoryLimitBytes` of address space per call,
/// and the server never holds more than it allowed for.
public struct PDFLimits: Sendable, Equatable {
    /// The default of `maxPixels`: 40 million pixels, 120 MB of RGB, the same bound ImageIO
    /// puts on decoded images (an A4 page at 600 dpi is 35 million).
    public static let defaultMaxPixels = 40_000_000
    /// Resolutions accepted by `textLayer` and `render`. Beyond 10,000 dpi nothing is gained
    /// and pixel arithmetic on large pages starts to need care; below 1 there is no image.
    public static let dpiRange = 1...10_000

    /// Largest accepted page count, checked when the file is opened. Indexing a page costs a
    /// child process or two, so a 100,000-page upload would occupy the server for hours.
    public var maxPages: Int
    /// Largest accepted `width * height` of a rendered page, computed from the page size and
    /// the resolution before `pdftoppm` starts, so a 200 x 200 inch page cannot exhaust memory.
    public var maxPixels: Int
    /// Wall-clock time one poppler program may run before its process group is killed.
    public var timeLimit: Duration
    /// Address space (RLIMIT_AS) of each poppler program. pdftoppm needs the page bitmap
    /// (3 bytes a pixel) plus roughly 100 MB for its libraries and fonts.
    public var memoryLimitBytes: Int
    /// Largest accepted `pdftotext -bbox-layout` output for one page (about 150 bytes a word).
    public var maxTextBytes: Int

    /// Limits with the documented defaults: 2,000 pages, `defaultMaxPixels`, 30 s and 2 GiB per
    /// program, 16 MiB of text-layer markup per page.
    public init(
        maxPages: Int = 2_000, maxPixels: Int = PDFLimits.defaultMaxPixels,
        timeLimit: Duration = .seconds(30), memoryLimitBytes: Int = 2 << 30,
        maxTextBytes: Int = 16 << 20
    ) {
        self.maxPages = maxPages
        self.maxPixels = maxPixels
        self.timeLimit = timeLimit
        self.memoryLimitBytes = memoryLimitBytes
        self.maxTextBytes = maxTextBytes
    }
}
