import CTesseract

/// Frees a Leptonica image that we own (a clone or copy handed to us by Tesseract or Leptonica).
/// `pixDestroy` takes the address of an optional pointer, to set it to nil; ours are not optional.
func destroyPix(_ pix: UnsafeMutablePointer<PIX>) {
    var owned: UnsafeMutablePointer<PIX>? = pix
    pixDestroy(&owned)
}
