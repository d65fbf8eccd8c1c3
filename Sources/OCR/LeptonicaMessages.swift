import CTesseract

/// Leptonica, which Tesseract binarises and analyses the page with, prints its warnings and
/// errors to standard error ("Error in boxClipToRectangle: box outside rectangle" on a noise
/// page). A server logs in structured lines; these messages describe nothing the caller can act
/// on, and a page's outcome reaches the caller as an `OCRPage` note or an `OCRError`. Silenced
/// once per process (Leptonica's setting is process-wide; we are its only user).
enum LeptonicaMessages {
    private static let silenced: Void = {
        _ = setMsgSeverity(Int32(L_SEVERITY_NONE))
    }()

    static func silence() { silenced }
}
