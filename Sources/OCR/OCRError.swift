/// Why a page could not be read, or an engine not made. Every case names what was wrong (the
/// page's label, the language, the folder) so that an error in a batch points at its input.
///
/// Pages that are valid but hold no readable text (blank, noise) are not errors: they come back
/// as an `OCRPage` with a `note`.
public enum OCRError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The options cannot be honoured (no language, a limit that is not positive, ...).
    case invalidOptions(reason: String)
    /// A language code that cannot name a file in the data folder (empty, "+", "..", ...).
    case invalidLanguage(String)
    /// No data folder was given and none of the usual places holds one.
    case dataFolderNotFound(searched: [String])
    /// `<language>.traineddata` is not in `folder`; `installed` lists the languages that are.
    case languageDataMissing(language: String, folder: String, installed: [String])
    /// Tesseract refused to start with these languages although their files exist (a damaged
    /// or incompatible .traineddata, out of memory).
    case engineInitFailed(languages: [String], folder: String)
    /// The image has no pixels.
    case emptyImage(name: String, width: Int, height: Int)
    /// The page has more than `maxPixels` pixels.
    case pageTooLarge(name: String, width: Int, height: Int, maxPixels: Int)
    /// A side of the page is longer than Tesseract's coordinates can hold (16-bit, 32767).
    case pageSideTooLong(name: String, width: Int, height: Int, maxSide: Int)
    /// Tesseract failed on the page for a reason other than the time limit.
    case recognitionFailed(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOptions(let reason):
            return "invalid OCR options: \(reason)"
        case .invalidLanguage(let language):
            return "invalid OCR language '\(language)': a language is a Tesseract code such as "
                + "'eng' or 'chi_sim' (letters, digits, '_' and '-', or script/Name)"
        case .dataFolderNotFound(let searched):
            return "no Tesseract data folder found (searched TESSDATA_PREFIX and "
                + "\(searched.joined(separator: ", "))); install tesseract-ocr-eng or set TESSDATA_PREFIX"
        case .languageDataMissing(let language, let folder, let installed):
            let have = installed.isEmpty ? "none" : installed.joined(separator: ", ")
            return "no Tesseract data for language '\(language)': \(folder)/\(language).traineddata "
                + "does not exist (installed languages: \(have)); on Debian install "
                + "tesseract-ocr-\(language.replacingOccurrences(of: "_", with: "-"))"
        case .engineInitFailed(let languages, let folder):
            return "Tesseract could not start with languages \(languages.joined(separator: "+")) "
                + "from \(folder) (damaged or incompatible .traineddata, or out of memory)"
        case .emptyImage(let name, let width, let height):
            return "page '\(name)' is \(width) x \(height) pixels: there is nothing to read"
        case .pageTooLarge(let name, let width, let height, let maxPixels):
            return "page '\(name)' is \(width) x \(height) = \(width * height) pixels, over the OCR "
                + "limit of \(maxPixels) pixels"
        case .pageSideTooLong(let name, let width, let height, let maxSide):
            return "page '\(name)' is \(width) x \(height) pixels: Tesseract reads no side longer "
                + "than \(maxSide) pixels"
        case .recognitionFailed(let name, let reason):
            return "OCR of page '\(name)' failed: \(reason)"
        }
    }
}
