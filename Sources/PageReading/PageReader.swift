import Foundation
import ImageIO
import OCR
import PDFPages
import Pages

/// Reads document pages into text layers: page images by OCR, PDF pages from their own text
/// layer when they have one (exact, and far faster) and by rendering and OCR when they do not.
///
/// Holds a pool of OCR engines, each created once and reused, at most one per core: the CLI and
/// the server read many pages with one reader.
public final class PageReader: Sendable {
    public struct Options: Sendable, Hashable {
        /// Tesseract languages ("eng", "deu", ...).
        public var languages: [String] = ["eng"]
        /// Most OCR time one page may take; the words read by then are kept, with a note.
        public var ocrTimeLimit: Duration = .seconds(20)
        /// The resolution PDF pages are rendered at for OCR, and their word boxes given in.
        public var pdfDPI = 150
        /// Most pixels of one page image (decoded, or a rendered PDF page).
        public var maxPixels = OCROptions.defaultMaxPixels
        /// Most pages of one PDF.
        public var maxPDFPages = PDFLimits().maxPages

        public init() {}

        var ocr: OCROptions {
            OCROptions(languages: languages, timeLimit: ocrTimeLimit, maxPixels: maxPixels)
        }
    }

    public let options: Options
    private let engines: OCREnginePool

    public init(options: Options = Options(), engines: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.options = options
        self.engines = OCREnginePool(maxEngines: engines)
    }

    /// Checks that the languages' data is installed, so a batch fails before its first page
    /// rather than on each one.
    public func checkLanguages(_ languages: [String]? = nil) throws(PageReadError) {
        var ocr = options.ocr
        if let languages { ocr.languages = languages }
        do { try engines.withEngine(ocr) { _ throws(OCRError) in } } catch { throw .ocr(name: "languages", error) }
    }

    /// Reads a PNG or JPEG page image by OCR.
    public func read(imageBytes bytes: [UInt8], name: String, languages: [String]? = nil) throws(PageReadError) -> PageText {
        let image: RGBImage
        do {
            image = try ImageDecoder.decode(bytes, name: name, limits: ImageLimits(maxPixels: options.maxPixels))
        } catch {
            throw .image(name: name, error)
        }
        return try recognize(image, name: name, dpi: nil, languages: languages)
    }

    /// Opens a PDF (a path or bytes) for `read(page:of:)`.
    public func openPDF(path: String) throws(PageReadError) -> PDFFile {
        do { return try PDFFile(path: path, limits: pdfLimits) } catch { throw .pdf(error) }
    }

    public func openPDF(bytes: [UInt8], name: String) throws(PageReadError) -> PDFFile {
        do { return try PDFFile(bytes: bytes, name: name, limits: pdfLimits) } catch { throw .pdf(error) }
    }

    /// Reads page `index` (from 0) of `pdf`: its text layer when it has words, else OCR of the
    /// page rendered at `options.pdfDPI`.
    public func read(page index: Int, of pdf: PDFFile, languages: [String]? = nil) throws(PageReadError) -> PageText {
        let dpi = options.pdfDPI
        let layer: PDFTextLayer?
        let rendered: (width: Int, height: Int, rgb: [UInt8])
        do {
            layer = try pdf.textLayer(page: index, dpi: dpi)
            if let layer, !layer.words.isEmpty {
                let words = layer.words.map { word in
                    PageWord(
                        text: word.text, box: PixelRect(x: word.x, y: word.y, width: word.width, height: word.height),
                        confidence: nil, block: word.block, line: word.line)
                }
                return PageText(width: layer.width, height: layer.height, words: words, source: .pdf, dpi: dpi)
            }
            rendered = try pdf.render(page: index, dpi: dpi)
        } catch {
            throw .pdf(error)
        }
        let image = RGBImage(width: rendered.width, height: rendered.height, pixels: rendered.rgb)
        var page = try recognize(image, name: "\(pdf.name) page \(index + 1)", dpi: dpi, languages: languages)
        page.dpi = dpi
        return page
    }

    /// A page image decoded under the reader's limits: what a text layer read from it refers
    /// to, for the image encoder of a model with a vision tower.
    public func image(imageBytes bytes: [UInt8], name: String) throws(PageReadError) -> RGBImage {
        do {
            return try ImageDecoder.decode(bytes, name: name, limits: ImageLimits(maxPixels: options.maxPixels))
        } catch {
            throw .image(name: name, error)
        }
    }

    /// Page `index` of `pdf` rendered at `dpi` (a text layer's resolution; nil: the reader's),
    /// so its pixels match the layer's boxes.
    public func image(page index: Int, of pdf: PDFFile, dpi: Int? = nil) throws(PageReadError) -> RGBImage {
        do {
            let rendered = try pdf.render(page: index, dpi: dpi ?? options.pdfDPI)
            return RGBImage(width: rendered.width, height: rendered.height, pixels: rendered.rgb)
        } catch {
            throw .pdf(error)
        }
    }

    private var pdfLimits: PDFLimits {
        var limits = PDFLimits()
        limits.maxPages = options.maxPDFPages
        limits.maxPixels = options.maxPixels
        return limits
    }

    private func recognize(_ image: RGBImage, name: String, dpi: Int?, languages: [String]?) throws(PageReadError) -> PageText {
        var ocr = options.ocr
        if let languages, !languages.isEmpty { ocr.languages = languages }
        let page: OCRPage
        do {
            page = try engines.recognize(image, name: name, dpi: dpi, options: ocr)
        } catch {
            throw .ocr(name: name, error)
        }
        let words = page.words.map { word in
            PageWord(
                text: word.text, box: PixelRect(x: word.box.x, y: word.box.y, width: word.box.width, height: word.box.height),
                confidence: word.confidence, block: word.block, line: word.line)
        }
        return PageText(width: page.width, height: page.height, words: words, source: .ocr, note: page.note)
    }
}
