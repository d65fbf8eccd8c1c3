import ArgumentParser
import PageReading

/// How pages are read: OCR languages and time limit, the resolution PDF pages are rendered at;
/// and whether their documents also hold the page image's patch vectors.
struct PageReadingOptions: ParsableArguments {
    @Option(name: .long, help: "OCR languages, Tesseract's names joined by '+' (eng, deu, eng+fra); their data must be installed (tesseract-ocr-LANG).")
    var ocrLanguages = "eng"

    @Option(name: .long, help: "Most seconds of OCR one page may take; the words read by then are kept, with a warning.")
    var ocrTimeLimit = 20.0

    @Option(name: .long, help: "Resolution PDF pages are rendered at for OCR (and their word boxes are given in).")
    var pdfDpi = 150

    @Flag(name: .long, help: "Also store each page image's patch vectors after its words' token vectors (a model with a vision tower, such as CLIP): MaxSim then takes each query token's best match across words and patches.")
    var pagePatches = false

    func validate() throws {
        guard ocrTimeLimit > 0 else { throw ValidationError("--ocr-time-limit must be positive") }
        guard (36 ... 600).contains(pdfDpi) else { throw ValidationError("--pdf-dpi must be 36 to 600, got \(pdfDpi)") }
        guard !languages.isEmpty else { throw ValidationError("--ocr-languages names no language") }
    }

    var languages: [String] { ocrLanguages.split(separator: "+").map(String.init).filter { !$0.isEmpty } }

    /// A reader with these options whose languages are installed (checked now, so a batch fails
    /// before its first page rather than on every one).
    func reader() throws -> PageReader {
        var options = PageReader.Options()
        options.languages = languages
        options.ocrTimeLimit = .milliseconds(Int64(ocrTimeLimit * 1000))
        options.pdfDPI = pdfDpi
        let reader = PageReader(options: options)
        do { try reader.checkLanguages() } catch { throw CommandFailure(error.description) }
        return reader
    }
}
