// RGB8 -> PNG with libpng, into memory, setjmp-safe: for pictures a person looks at (search
// hits with their matched words boxed), not for anything read back by a model.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "CImageCodecs.h"

/// The growing output buffer, and what went wrong.
typedef struct png_sink {
    uint8_t *bytes;
    size_t count;
    size_t capacity;
    int failed;
} png_sink;

static void sink_write(png_structp png, png_bytep data, png_size_t length) {
    png_sink *sink = png_get_io_ptr(png);
    if (sink->failed) return;
    if (sink->count + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->count + length) capacity *= 2;
        uint8_t *grown = realloc(sink->bytes, capacity);
        if (!grown) {
            sink->failed = 1;
            png_error(png, "out of memory");
        }
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->count, data, length);
    sink->count += length;
}

static void sink_flush(png_structp png) { (void)png; }

static void quiet_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static void jump_on_error(png_structp png, png_const_charp message) {
    (void)message;
    png_longjmp(png, 1);
}

ic_status ic_png_encode_rgb8(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t **out, size_t *out_size) {
    if (!pixels || !out || !out_size || width == 0 || height == 0 || width > 0x7FFFFFFF / 3) return IC_STATUS_INVALID_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, jump_on_error, quiet_warning);
    if (!png) return IC_STATUS_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return IC_STATUS_OUT_OF_MEMORY;
    }
    // Written before setjmp and read after a jump only through the pointer: no volatile needed.
    png_sink *sink = calloc(1, sizeof(png_sink));
    if (!sink) {
        png_destroy_write_struct(&png, &info);
        return IC_STATUS_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(sink->bytes);
        free(sink);
        return IC_STATUS_OUT_OF_MEMORY;
    }
    png_set_write_fn(png, sink, sink_write, sink_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * 3));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = sink->bytes;
    *out_size = sink->count;
    free(sink);
    return IC_STATUS_OK;
}

void ic_free(void *bytes) { free(bytes); }
