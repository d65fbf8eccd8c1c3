#ifndef CIMAGECODECS_PIXEL_ROWS_H
#define CIMAGECODECS_PIXEL_ROWS_H

// Row conversions to RGB8 with Pillow's exact integer arithmetic (private to the target).

#include <stddef.h>
#include <stdint.h>

/// Pillow's `Image.alpha_composite(white, rgba).convert("RGB")`, as transformers'
/// convert_to_rgb does it, for `width` RGBA pixels.
void ic_composite_rgba_on_white(const uint8_t *rgba, uint8_t *rgb, uint32_t width);

/// Drops the alpha byte of `width` RGBA pixels (Pillow's `convert("RGB")`).
void ic_strip_rgba(const uint8_t *rgba, uint8_t *rgb, uint32_t width);

/// Replicates `width` gray samples into RGB.
void ic_gray_to_rgb(const uint8_t *gray, uint8_t *rgb, uint32_t width);

/// `width` Adobe (inverted) CMYK pixels to RGB as Pillow does for CMYK JPEGs.
void ic_inverted_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width);

#endif /* CIMAGECODECS_PIXEL_ROWS_H */
