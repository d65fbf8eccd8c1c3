import CTesseract
import ImageIO

/// One Tesseract engine (a TessBaseAPI with its languages loaded), created once and reused for
/// many pages: loading eng.traineddata takes about 0.07 s and 12 to 18 MB (its dictionaries are
/// shared between engines), reading a page of pages-dev 0.3 s on average; the `tesseract` command,
/// which loads it for every page, reads 2.1 pages a second to an engine's 3.2.
///
/// Not thread-safe: one page at a time. Use one engine per thread, e.g. through
/// `OCREnginePool`. Each page runs on the calling thread alone (see `OpenMPThreads`).
public final class OCREngine {
    /// The options the engine was made with; its languages and data folder are fixed, its limits
    /// apply to every page.
    public let options: OCROptions
    /// The folder the language data was loaded from.
    public let dataFolder: String
    /// The resolution Tesseract is told when the caller knows none: 70 dpi, the value at which
    /// Tesseract estimates the real one from the height of the text lines. On pages-dev (100 to
    /// 150 dpi) this reads exactly the words that telling it the true resolution does, while
    /// claiming 300 dpi, a common default, loses words (word recall 0.949 against 0.954 over the
    /// 200 pages, and its worst page at 0.74 against 0.84: small text at an assumed high
    /// resolution looks like noise to it).
    public static let unknownResolution = 70
    /// The longest side Tesseract can read: its page coordinates are 16-bit.
    public static let maxSide = Int(Int16.max)

    /// The TessBaseAPI; owned, deleted in deinit.
    private let handle: OpaquePointer

    /// Loads `options.languages` from the data folder (see `OCROptions.dataPath`).
    public init(options: OCROptions = OCROptions()) throws(OCRError) {
        guard options.timeLimit > .zero else {
            throw .invalidOptions(reason: "time limit \(options.timeLimit) is not positive")
        }
        guard options.maxPixels > 0 else {
            throw .invalidOptions(reason: "maxPixels \(options.maxPixels) is not positive")
        }
        let folder = try TessdataLocator.folder(explicit: options.dataPath)
        try TessdataLocator.validate(languages: options.languages, in: folder)
        LeptonicaMessages.silence()
        guard let handle = TessBaseAPICreate() else {
            throw .engineInitFailed(languages: options.languages, folder: folder)
        }
        // Tesseract's own messages ("Detected 12 diacritics", warnings) go to its debug file,
        // standard error by default; the outcome of a page reaches the caller in the OCRPage.
        let status = TessBaseAPIInit2(handle, folder, options.languages.joined(separator: "+"), OEM_DEFAULT)
        guard status == 0 else {
            TessBaseAPIDelete(handle)
            throw .engineInitFailed(languages: options.languages, folder: folder)
        }
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
        TessBaseAPISetPageSegMode(handle, PSM_AUTO)
        self.handle = handle
        self.options = options
        self.dataFolder = folder
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// Reads the words of `image`. `name` labels errors and notes (a file name, "inputs[2]");
    /// `dpi` is the scan resolution if known (it sets the sizes Tesseract expects of text and
    /// noise); otherwise Tesseract estimates it (see `unknownResolution`). A `dpi` of 0 or less, what
    /// image files without resolution metadata report, counts as unknown.
    ///
    /// Pages without readable text come back with no words and a `note` saying why; errors are
    /// for pages that cannot be read at all (empty, too large) and Tesseract failures.
    public func recognize(_ image: RGBImage, name: String = "page", dpi: Int? = nil) throws(OCRError) -> OCRPage {
        try checkSize(of: image, name: name)
        if let color = PageContent.uniformColor(of: image) {
            return OCRPage(width: image.width, height: image.height, words: [], note: PageNote.blank(color: color))
        }
        let resolution = dpi.flatMap { $0 > 0 ? $0 : nil } ?? Self.unknownResolution
        OpenMPThreads.confineCallingThread()
        defer { TessBaseAPIClear(handle) }

        setImage(image.pixels, width: image.width, height: image.height, resolution: resolution)
        let census = try takeCensus(name: name)
        var notes: [String] = []
        if census.darkPixels == 0 {
            return OCRPage(width: image.width, height: image.height, words: [], note: PageNote.noDarkPixels)
        }
        if !census.noisyTiles.isEmpty {
            notes.append(PageNote.noisyTilesLeftOut(census))
            if census.darkPixelsOutsideNoisyTiles == 0 {
                return OCRPage(width: image.width, height: image.height, words: [], note: notes.joined(separator: "; "))
            }
            var masked = image.pixels
            PageContent.paintWhite(census.noisyTiles, in: &masked, width: image.width)
            setImage(masked, width: image.width, height: image.height, resolution: resolution)
        }

        let run = runRecognition(handle: handle)
        let words = collectWords(handle: handle)
        if run.status != 0 {
            guard run.elapsed >= options.timeLimit - .milliseconds(50) else {
                throw .recognitionFailed(name: name, reason: "Tesseract returned status \(run.status)")
            }
            notes.append(PageNote.timeLimitReached(options.timeLimit, elapsed: run.elapsed, wordsKept: words.count))
        } else if words.isEmpty {
            notes.append(PageNote.noTextFound)
        }
        return OCRPage(
            width: image.width, height: image.height, words: words,
            note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// Refuses pages Tesseract cannot or should not read, before it allocates anything.
    private func checkSize(of image: RGBImage, name: String) throws(OCRError) {
        guard image.width > 0, image.height > 0 else {
            throw .emptyImage(name: name, width: image.width, height: image.height)
        }
        guard image.width <= Self.maxSide, image.height <= Self.maxSide else {
            throw .pageSideTooLong(name: name, width: image.width, height: image.height, maxSide: Self.maxSide)
        }
        guard image.width <= options.maxPixels / image.height else {
            throw .pageTooLarge(name: name, width: image.width, height: image.height, maxPixels: options.maxPixels)
        }
    }

    /// Hands Tesseract the page (it copies the pixels) and its resolution.
    private func setImage(_ pixels: [UInt8], width: Int, height: Int, resolution: Int) {
        pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(handle, buffer.baseAddress, Int32(width), Int32(height), 3, Int32(width * 3))
        }
        TessBaseAPISetSourceResolution(handle, Int32(resolution))
    }

    /// Binarises the page as Tesseract will read it (recognition reuses this binarisation) and
    /// counts its dark pixels and specks.
    private func takeCensus(name: String) throws(OCRError) -> SpeckleCensus {
        guard let binarized = TessBaseAPIGetThresholdedImage(handle) else {
            throw .recognitionFailed(name: name, reason: "Tesseract could not binarise the page")
        }
        defer { destroyPix(binarized) }
        return SpeckleCensus(binarized: binarized)
    }
}

/// An `OCREngine` belongs to one thread at a time.
@available(*, unavailable)
extension OCREngine: Sendable {}
