// Row conversions to RGB8, byte-identical to Pillow's (see pixel_rows.h).

#include "pixel_rows.h"

/// Pillow's rounded division by 255 of a value carrying a rounding bias: (x + x / 256) / 256.
static inline uint32_t shift_div_255(uint32_t value) {
    return ((value >> 8) + value) >> 8;
}

void ic_composite_rgba_on_white(const uint8_t *rgba, uint8_t *rgb, uint32_t width) {
    // Pillow's ImagingAlphaComposite with an opaque white destination. It weighs source and
    // destination with 7 fractional bits: coef1 = a * 255 * 255 * 128 / out_alpha_255, where
    // out_alpha_255 = a * 255 + 255 * (255 - a) = 255 * 255 for an opaque destination, so
    // coef1 is exactly a * 128. A fully transparent pixel becomes the destination, white.
    for (uint32_t x = 0; x < width; x++) {
        const uint8_t *pixel = rgba + 4 * (size_t)x;
        uint8_t *out = rgb + 3 * (size_t)x;
        uint32_t alpha = pixel[3];
        if (alpha == 0) {
            out[0] = out[1] = out[2] = 255;
            continue;
        }
        uint32_t source_weight = alpha * 128;
        uint32_t white_weight = 255 * 128 - source_weight;
        for (int channel = 0; channel < 3; channel++) {
            uint32_t blended = pixel[channel] * source_weight + 255 * white_weight + (0x80u << 7);
            out[channel] = (uint8_t)(shift_div_255(blended) >> 7);
        }
    }
}

void ic_strip_rgba(const uint8_t *rgba, uint8_t *rgb, uint32_t width) {
    for (uint32_t x = 0; x < width; x++) {
        rgb[3 * (size_t)x + 0] = rgba[4 * (size_t)x + 0];
        rgb[3 * (size_t)x + 1] = rgba[4 * (size_t)x + 1];
        rgb[3 * (size_t)x + 2] = rgba[4 * (size_t)x + 2];
    }
}

void ic_gray_to_rgb(const uint8_t *gray, uint8_t *rgb, uint32_t width) {
    for (uint32_t x = 0; x < width; x++) {
        rgb[3 * (size_t)x + 0] = gray[x];
        rgb[3 * (size_t)x + 1] = gray[x];
        rgb[3 * (size_t)x + 2] = gray[x];
    }
}

void ic_inverted_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width) {
    // Pillow reads every 4-component JPEG with its "CMYK;I" raw mode (Adobe writes the samples
    // inverted, and Pillow assumes Adobe), then converts CMYK to RGB as
    // r = k' - c * k' / 255 with k' = 255 - k, the division rounded as in shift_div_255.
    // With c = 255 - raw_c and k' = raw_k the result is byte-identical.
    for (uint32_t x = 0; x < width; x++) {
        const uint8_t *pixel = cmyk + 4 * (size_t)x;
        int not_black = pixel[3];
        for (int channel = 0; channel < 3; channel++) {
            int product = (255 - pixel[channel]) * not_black + 128;
            int value = not_black - (int)shift_div_255((uint32_t)product);
            rgb[3 * (size_t)x + channel] = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
        }
    }
}
