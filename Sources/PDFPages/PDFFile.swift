import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A PDF document opened for indexing: each page becomes one page document, read from its text
/// layer (`textLayer`) where it has one, or rendered to pixels (`render`) for OCR.
///
/// All the PDF parsing is done by poppler-utils (`pdfinfo`, `pdftotext`, `pdftoppm`) in child
/// processes under `limits`: see README.md for why. Opening runs `pdfinfo` once, which
/// validates the file and gives the page count and sizes; every page call then runs one program.
/// Calls block the calling thread until the child has exited.
///
/// Pages are numbered from 0, like array indices.
public struct PDFFile: Sendable {
    /// The name errors use: the path, or the label given with the bytes.
    public let name: String
    /// The file poppler reads (a private temporary file for bytes).
    public let path: String
    /// Number of pages in the document (at most `limits.maxPages`).
    public let pageCount: Int
    /// Every page's displayed size in points, `pageCount` of them.
    public let pageSizes: [PDFPageSize]
    /// Limits for the programs run from now on; changeable after opening.
    public var limits: PDFLimits
    /// Where the poppler programs are found.
    public let tools: PopplerTools
    /// Keeps the temporary file of uploaded bytes alive as long as any copy of this value.
    private let temporary: TemporaryFile?

    /// Opens the PDF at `path`. `name` (default: the path) is what errors call it.
    public init(
        path: String, name: String? = nil, limits: PDFLimits = PDFLimits(), tools: PopplerTools = PopplerTools()
    ) throws(PDFError) {
        let name = name ?? path
        try Self.checkHeader(try Self.readStart(of: path, name: name), name: name)
        try self.init(checkedPath: path, name: name, limits: limits, tools: tools, temporary: nil)
    }

    /// Opens a PDF held in memory, e.g. an upload. The bytes are written to a private temporary
    /// file (poppler reads files), removed when the last copy of this value goes away.
    public init(
        bytes: [UInt8], name: String, limits: PDFLimits = PDFLimits(), tools: PopplerTools = PopplerTools()
    ) throws(PDFError) {
        try Self.checkHeader(bytes.prefix(Self.headerWindow), name: name)
        let temporary = try TemporaryFile(bytes: bytes, name: name)
        try self.init(checkedPath: temporary.path, name: name, limits: limits, tools: tools, temporary: temporary)
    }

    /// Opens a PDF held in memory as `Data`; see `init(bytes:name:limits:tools:)`.
    public init(
        data: Data, name: String, limits: PDFLimits = PDFLimits(), tools: PopplerTools = PopplerTools()
    ) throws(PDFError) {
        try self.init(bytes: [UInt8](data), name: name, limits: limits, tools: tools)
    }

    private init(
        checkedPath: String, name: String, limits: PDFLimits, tools: PopplerTools, temporary: TemporaryFile?
    ) throws(PDFError) {
        self.name = name
        self.path = checkedPath
        self.limits = limits
        self.tools = tools
        self.temporary = temporary
        let info = try Self.readInfo(path: checkedPath, name: name, limits: limits, tools: tools)
        guard info.pageCount <= limits.maxPages else {
            throw .tooManyPages(name: name, pageCount: info.pageCount, maxPages: limits.maxPages)
        }
        self.pageCount = info.pageCount
        self.pageSizes = info.pageSizes
    }

    /// PDF readers accept a header anywhere in the first 1024 bytes (some producers put junk
    /// before it); so do we.
    static let headerWindow = 1024

    static func checkHeader(_ start: some Collection<UInt8>, name: String) throws(PDFError) {
        guard !start.isEmpty else { throw .empty(name: name) }
        let magic = Array("%PDF-".utf8)
        let bytes = Array(start.prefix(headerWindow))
        guard bytes.count >= magic.count,
            (0...(bytes.count - magic.count)).contains(where: { bytes[$0..<($0 + magic.count)].elementsEqual(magic) })
        else { throw .notPDF(name: name) }
    }

    static func readStart(of path: String, name: String) throws(PDFError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(name: name, reason: TemporaryFile.message(errno)) }
        defer { close(descriptor) }
        var start = [UInt8](repeating: 0, count: headerWindow)
        var filled = 0
        while filled < start.count {
            let count = start.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(name: name, reason: TemporaryFile.message(errno)) }
            if count == 0 { break }
            filled += count
        }
        return Array(start[0..<filled])
    }

    /// Runs `pdfinfo -f 1 -l maxPages`: one child gives the page count and the sizes of the
    /// pages we may use; a document over the limit lists only `maxPages` of them.
    static func readInfo(path: String, name: String, limits: PDFLimits, tools: PopplerTools) throws(PDFError) -> PDFInfo {
        let maxPages = max(1, limits.maxPages)
        let output = try PopplerRun(tool: "pdfinfo", name: name, limits: limits, tools: tools)
            .run(["-f", "1", "-l", String(maxPages), argument(path)], maxStdoutBytes: (1 << 20) + maxPages * 128)
        let text = String(decoding: output.stdout, as: UTF8.self)
        do {
            return try PDFInfo.parse(text) { min($0, maxPages) }
        } catch {
            throw .toolFailed(name: name, tool: "pdfinfo", reason: "unexpected output: no \(error)")
        }
    }

    /// A path as a program argument: poppler takes anything starting with "-" for an option.
    static func argument(_ path: String) -> String {
        path.hasPrefix("-") ? "./" + path : path
    }

    /// Checks a page index and a resolution before any program runs.
    func check(page: Int, dpi: Int) throws(PDFError) {
        guard (0..<pageCount).contains(page) else {
            throw .pageOutOfRange(name: name, page: page, pageCount: pageCount)
        }
        guard PDFLimits.dpiRange.contains(dpi) else { throw .invalidResolution(name: name, dpi: dpi) }
    }

    /// The file as a program argument.
    var fileArgument: String { Self.argument(path) }

    func run(
        _ tool: String, _ arguments: [String], maxStdoutBytes: Int, expectedBytes: Int = 0
    ) throws(PDFError) -> ChildProcess.Output {
        try PopplerRun(tool: tool, name: name, limits: limits, tools: tools)
            .run(arguments, maxStdoutBytes: maxStdoutBytes, expectedBytes: expectedBytes)
    }
}
