#ifndef MULTIEMBED_CJPEG_SHIM_H
#define MULTIEMBED_CJPEG_SHIM_H

// jpeglib.h is not self-contained: it uses size_t and FILE without including their headers.
#include <stddef.h>
#include <stdio.h>

// libjpeg(-turbo)'s public API and its message codes (JERR_*, JWRN_*).
#include <jpeglib.h>
#include <jerror.h>

#endif
