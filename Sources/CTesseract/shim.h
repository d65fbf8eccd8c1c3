#ifndef MULTIEMBED_CTESSERACT_SHIM_H
#define MULTIEMBED_CTESSERACT_SHIM_H

// Tesseract's C API. Its folders (and Leptonica's, which it needs) come from
// `pkg-config --cflags tesseract`, never from an absolute path here.
#include <tesseract/capi.h>

// Leptonica, for the few calls made on Tesseract's own binarised page (counting dark pixels and
// connected components before layout analysis) and to keep its messages off standard error.
// `pkg-config --libs tesseract` does not name it, hence `link "lept"` in the module map.
#include <leptonica/allheaders.h>

#endif
