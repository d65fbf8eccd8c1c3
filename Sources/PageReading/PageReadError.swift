import ImageIO
import OCR
import PDFPages

/// Why a page could not be read, naming it.
public enum PageReadError: Error, CustomStringConvertible, Sendable {
    /// The image did not decode (truncated, a bomb, an unsupported format, ...).
    case image(name: String, ImageError)
    /// OCR refused the page or could not start (a language whose data is missing, a page too
    /// large).
    case ocr(name: String, OCRError)
    /// The PDF could not be opened, read or rendered.
    case pdf(PDFError)

    public var description: String {
        switch self {
        case let .image(name, error): "\(name): \(error)"
        case let .ocr(_, error): error.description
        case let .pdf(error): error.description
        }
    }
}
