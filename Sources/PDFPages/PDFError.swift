/// Why a PDF, or one of its pages, could not be read. Every case that concerns a document names
/// it (a path, or the label the caller passed for uploaded bytes, e.g. "inputs[3]") so that an
/// error in a batch points at the offending file. Page numbers in messages are 0-based indices,
/// as the API takes them.
public enum PDFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file holds no bytes at all.
    case empty(name: String)
    /// The bytes do not start with a PDF header (`%PDF-` within the first 1024 bytes).
    case notPDF(name: String)
    /// The file could not be read, or uploaded bytes could not be written to a temporary file.
    case unreadable(name: String, reason: String)
    /// The document needs a password to be opened. Documents whose owner password only
    /// restricts printing or copying open without one and are not refused.
    case encrypted(name: String)
    /// poppler could not parse the document; `reason` is poppler's own last message.
    case damaged(name: String, reason: String)
    /// A program this module runs was not found. `searched` lists the folders looked in.
    case toolMissing(tool: String, searched: [String])
    /// The document has more pages than `PDFLimits.maxPages`.
    case tooManyPages(name: String, pageCount: Int, maxPages: Int)
    /// A page index outside `0..<pageCount`.
    case pageOutOfRange(name: String, page: Int, pageCount: Int)
    /// A resolution outside `PDFLimits.dpiRange`.
    case invalidResolution(name: String, dpi: Int)
    /// The page would render to more than `PDFLimits.maxPixels` pixels at the requested
    /// resolution. Refused before any rendering starts.
    case pageTooLarge(name: String, page: Int, width: Int, height: Int, maxPixels: Int)
    /// A poppler program ran longer than `PDFLimits.timeLimit` and was killed.
    case timedOut(name: String, tool: String, limit: Duration)
    /// A poppler program wrote more than `maxBytes` to its output and was killed.
    case outputTooLarge(name: String, tool: String, maxBytes: Int)
    /// A poppler program crashed, ran out of memory under `PDFLimits.memoryLimitBytes`, or wrote
    /// output we cannot read; `reason` says which, with its last message when it left one.
    case toolFailed(name: String, tool: String, reason: String)

    public var description: String {
        switch self {
        case .empty(let name):
            return "PDF '\(name)' is empty (0 bytes)"
        case .notPDF(let name):
            return "'\(name)' is not a PDF (no %PDF- header in its first 1024 bytes)"
        case .unreadable(let name, let reason):
            return "PDF '\(name)' could not be read: \(reason)"
        case .encrypted(let name):
            return "PDF '\(name)' is encrypted and needs a password to be opened"
        case .damaged(let name, let reason):
            return "PDF '\(name)' is damaged: \(reason)"
        case .toolMissing(let tool, let searched):
            let package = tool == "prlimit" ? "util-linux" : "poppler-utils"
            return "\(tool) was not found (searched \(searched.joined(separator: ":"))); "
                + "install \(package) (scripts/install-deps does it)"
        case .tooManyPages(let name, let pageCount, let maxPages):
            return "PDF '\(name)' has \(pageCount) pages, over the limit of \(maxPages) pages"
        case .pageOutOfRange(let name, let page, let pageCount):
            return "page index \(page) is out of range: PDF '\(name)' has \(pageCount) pages "
                + "(indices 0..<\(pageCount))"
        case .invalidResolution(let name, let dpi):
            return "resolution \(dpi) dpi requested for PDF '\(name)' is outside "
                + "\(PDFLimits.dpiRange.lowerBound)...\(PDFLimits.dpiRange.upperBound)"
        case .pageTooLarge(let name, let page, let width, let height, let maxPixels):
            return "page \(page) of PDF '\(name)' would render to \(width) x \(height) pixels, "
                + "over the limit of \(maxPixels) pixels"
        case .timedOut(let name, let tool, let limit):
            return "\(tool) did not finish PDF '\(name)' within \(limit) and was killed"
        case .outputTooLarge(let name, let tool, let maxBytes):
            return "\(tool) wrote more than \(maxBytes) bytes for PDF '\(name)' and was killed"
        case .toolFailed(let name, let tool, let reason):
            return "\(tool) failed on PDF '\(name)': \(reason)"
        }
    }
}
