#ifndef CIMAGECODECS_COMMON_H
#define CIMAGECODECS_COMMON_H

// Helpers shared by the PNG and JPEG decoders (private to the target).

#include "CImageCodecs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/// Clears `info` so that a failed call never leaves stale dimensions or text behind.
static inline void ic_info_reset(ic_image_info *info) {
    memset(info, 0, sizeof *info);
}

/// Formats a failure reason into info->message (truncated to fit, always NUL-terminated).
static inline void ic_set_message(ic_image_info *info, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static inline void ic_set_message(ic_image_info *info, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(info->message, sizeof info->message, format, arguments);
    va_end(arguments);
}

/// Checks the declared size against the caller's limit and output buffer, before decoding.
/// The product is computed in 64 bits: two 31-bit dimensions cannot overflow it.
static inline ic_status ic_check_output(ic_image_info *info, uint64_t max_pixels,
                                        size_t pixels_size) {
    uint64_t pixel_count = (uint64_t)info->width * (uint64_t)info->height;
    if (pixel_count > max_pixels) {
        ic_set_message(info, "image is %u x %u pixels, over the limit of %llu pixels",
                       info->width, info->height, (unsigned long long)max_pixels);
        return IC_STATUS_TOO_LARGE;
    }
    if (pixel_count > SIZE_MAX / 3 || (size_t)pixel_count * 3 != pixels_size) {
        ic_set_message(info, "output buffer holds %zu bytes, image needs %llu", pixels_size,
                       (unsigned long long)(pixel_count * 3));
        return IC_STATUS_INVALID_ARGUMENT;
    }
    return IC_STATUS_OK;
}

#endif /* CIMAGECODECS_COMMON_H */
