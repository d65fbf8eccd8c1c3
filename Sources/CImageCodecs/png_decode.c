// PNG -> RGB8 with libpng, from memory, setjmp-safe.

#include "CImageCodecs.h"
#include "codec_common.h"
#include "pixel_rows.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/// Largest single ancillary chunk libpng may buffer (iCCP, zTXt, ... once decompressed). The
/// chunks we need (IHDR, PLTE, tRNS) are tiny; this only bounds hostile metadata.
#define IC_PNG_CHUNK_MALLOC_MAX ((png_alloc_size_t)8 * 1024 * 1024)

/// Largest number of ancillary chunks libpng may keep (text, sPLT, unknown).
#define IC_PNG_CHUNK_CACHE_MAX 128

/// Deflate's best compression ratio: a 258-byte match coded in 2 bits (1-bit length and
/// distance codes). No complete PNG holds less image data than its pixels over this.
#define IC_DEFLATE_MAX_RATIO 1032

/// Bytes of the signature and IHDR chunk, after which the image data begins.
#define IC_PNG_HEADER_BYTES 33

/// Input bytes libpng may still read once every declared row is decoded. After the last row
/// libpng swallows the rest of the zlib stream (inflating it 1 KiB at a time, for as long as it
/// yields data) and then reads the chunk's CRC. A well-formed file has only its Adler-32, the
/// CRC and perhaps one more chunk header left, so this still verifies it; a stream that goes on
/// (a 1 x 1 image followed by gigabytes of zeros) is cut off here, and the image, whose rows
/// are all there, is returned as Pillow returns it. With libpng's 8 KiB input buffer, at most
/// (8 + 1) KiB of compressed data are inflated past the last row: about 9.5 MB at deflate's
/// 1032:1 ceiling, whatever the file holds.
#define IC_PNG_TRAILING_BYTES 1024

/// setjmp value of the jump taken when libpng asks for trailing data past IC_PNG_TRAILING_BYTES.
#define IC_PNG_JUMP_ROWS_COMPLETE 2

/// Ancillary chunks we never use. libpng skips them unread (no zlib inflation, no buffering),
/// which also defuses compressed-metadata bombs (zTXt, iTXt, iCCP).
static const png_byte ignored_chunks[] = {
    'b', 'K', 'G', 'D', '\0', 'c', 'H', 'R', 'M', '\0', 'e', 'X', 'I', 'f', '\0',
    'g', 'A', 'M', 'A', '\0', 'h', 'I', 'S', 'T', '\0', 'i', 'C', 'C', 'P', '\0',
    'i', 'T', 'X', 't', '\0', 'o', 'F', 'F', 's', '\0', 'p', 'C', 'A', 'L', '\0',
    'p', 'H', 'Y', 's', '\0', 's', 'B', 'I', 'T', '\0', 's', 'C', 'A', 'L', '\0',
    's', 'P', 'L', 'T', '\0', 's', 'R', 'G', 'B', '\0', 't', 'E', 'X', 't', '\0',
    't', 'I', 'M', 'E', '\0', 'z', 'T', 'X', 't', '\0',
};

/// State shared with libpng's callbacks. Members written after setjmp and read after the
/// longjmp are volatile, as C requires for their values to survive the jump.
typedef struct png_decode_context {
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    volatile size_t offset;
    ic_image_info *info;
    volatile ic_status failure;
    png_bytep *volatile rows;
    uint8_t *volatile scratch;
    /// Declared height, and the number of interlace passes libpng delivers (1 or 7).
    uint32_t height;
    int passes;
    /// Input offset at which libpng had decoded every row, or SIZE_MAX before that.
    volatile size_t rows_complete_at;
    /// Row being read into `scratch` by the one-row-at-a-time RGBA path.
    volatile uint32_t scratch_row;
} png_decode_context;

static const uint8_t png_signature_bytes[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static uint32_t read_be32(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) |
           (uint32_t)bytes[3];
}

/// Fatal libpng error: keep the message, classify it, and jump back to the decode call.
static void on_png_error(png_structp png, png_const_charp message) {
    png_decode_context *context = (png_decode_context *)png_get_error_ptr(png);
    ic_set_message(context->info, "%s", message);
    if (strstr(message, "ut of memory") != NULL) {
        context->failure = IC_STATUS_OUT_OF_MEMORY;
    } else if (strstr(message, "user limit") != NULL) {
        context->failure = IC_STATUS_TOO_LARGE;
    } else {
        context->failure = IC_STATUS_CORRUPT;
    }
    longjmp(context->jump, 1);
}

/// Warnings (bad ancillary CRCs, extra zlib data, ...) are tolerated silently, as Pillow does.
static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/// Whether libpng has decoded every row the header declares. After the last row of a plain
/// image its row counter equals the height; after the last row of the last pass of an
/// interlaced one (deinterlaced by libpng) its pass counter moves past the seventh pass.
static int all_rows_decoded(png_structp png, const png_decode_context *context) {
    if (png_get_current_pass_number(png) > 6) {
        return 1;
    }
    return context->passes == 1 && png_get_current_row_number(png) >= context->height;
}

/// libpng's read callback over the in-memory buffer; running out of data is a fatal error.
/// Once the rows are decoded it serves at most IC_PNG_TRAILING_BYTES more, then jumps back to
/// the decode call with IC_PNG_JUMP_ROWS_COMPLETE, so trailing data costs nothing.
static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_decode_context *context = (png_decode_context *)png_get_io_ptr(png);
    if (context->rows_complete_at == SIZE_MAX && all_rows_decoded(png, context)) {
        context->rows_complete_at = context->offset;
    }
    if (context->rows_complete_at != SIZE_MAX &&
        context->offset - context->rows_complete_at + length > IC_PNG_TRAILING_BYTES) {
        longjmp(context->jump, IC_PNG_JUMP_ROWS_COMPLETE);
    }
    if (length > context->size - context->offset) {
        png_error(png, "PNG data is truncated");
    }
    memcpy(destination, context->data + context->offset, length);
    context->offset += length;
}

ic_status ic_png_read_header(const uint8_t *data, size_t size, ic_image_info *info) {
    if (info == NULL) {
        return IC_STATUS_INVALID_ARGUMENT;
    }
    ic_info_reset(info);
    if (data == NULL) {
        ic_set_message(info, "no data");
        return IC_STATUS_INVALID_ARGUMENT;
    }
    // Signature (8) + IHDR length (4) + type (4) + width (4) + height (4) + depth + colour type.
    if (size < 26 || memcmp(data, png_signature_bytes, 8) != 0) {
        ic_set_message(info, size < 26 ? "PNG header is truncated" : "not a PNG signature");
        return IC_STATUS_CORRUPT;
    }
    if (read_be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) {
        ic_set_message(info, "PNG does not start with an IHDR chunk");
        return IC_STATUS_CORRUPT;
    }
    uint32_t width = read_be32(data + 16);
    uint32_t height = read_be32(data + 20);
    if (width == 0 || height == 0) {
        ic_set_message(info, "PNG declares a zero width or height (%u x %u)", width, height);
        return IC_STATUS_CORRUPT;
    }
    if (width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) {
        ic_set_message(info, "PNG dimensions out of range (%u x %u)", width, height);
        return IC_STATUS_CORRUPT;
    }
    info->width = width;
    info->height = height;
    uint64_t samples = 0;  // stored per pixel
    switch (data[25]) {
    case PNG_COLOR_TYPE_GRAY: info->components = 1; samples = 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: info->components = 2; samples = 2; break;
    case PNG_COLOR_TYPE_RGB: info->components = 3; samples = 3; break;
    case PNG_COLOR_TYPE_PALETTE: info->components = 3; samples = 1; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: info->components = 4; samples = 4; break;
    default: info->components = 0; break;  // libpng rejects it when decoding
    }
    // The pixels' bits (filter bytes and row padding left out) over deflate's best ratio.
    const uint64_t bits_per_pixel = samples * data[24];
    const uint64_t pixel_count = (uint64_t)width * height;
    const uint64_t pixel_bits = bits_per_pixel != 0 && pixel_count > UINT64_MAX / bits_per_pixel
                                    ? UINT64_MAX
                                    : pixel_count * bits_per_pixel;
    const uint64_t bits_per_data_byte = 8 * IC_DEFLATE_MAX_RATIO;
    info->data_bytes = size > IC_PNG_HEADER_BYTES ? size - IC_PNG_HEADER_BYTES : 0;
    info->min_data_bytes = pixel_bits / bits_per_data_byte + (pixel_bits % bits_per_data_byte != 0);
    return IC_STATUS_OK;
}

/// Whether Pillow + transformers turn this PNG's tRNS chunk into alpha before compositing.
static int honours_transparency_key(png_structp png, png_infop png_info, int color_type,
                                    int bit_depth) {
    if (!png_get_valid(png, png_info, PNG_INFO_tRNS)) {
        return 0;
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        return 1;  // Pillow applies the per-entry alphas when converting P to RGBA
    }
    if (color_type == PNG_COLOR_TYPE_GRAY) {
        if (bit_depth >= 8) {
            return 1;
        }
        // Pillow scales 1/2/4-bit samples to 8 bits but compares them with the unscaled key,
        // so only a key of 0 ever matches anything. Reproduce that.
        png_color_16p key = NULL;
        png_get_tRNS(png, png_info, NULL, NULL, &key);
        return key != NULL && key->gray == 0;
    }
    return 0;  // RGB: transformers' convert_to_rgb returns RGB images untouched
}

/// Asks libpng for 8-bit RGB, or RGBA when alpha must be composited, whatever the stored
/// format, the way Pillow maps each PNG mode. Returns the number of interlace passes.
static int configure_output(png_structp png, png_infop png_info, ic_alpha_mode alpha_mode) {
    int bit_depth = png_get_bit_depth(png, png_info);
    int color_type = png_get_color_type(png, png_info);

    if (bit_depth == 16) {
        // strip_16 keeps the high byte, as Pillow's ";16B" unpackers do; scale_16 would round.
        png_set_strip_16(png);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);  // unpacks 1/2/4-bit indices; tRNS becomes alpha
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);  // bit replication: 1 -> 255, 0xA (4-bit) -> 0xAA
    }
    if (alpha_mode == IC_ALPHA_DROP) {
        // Dropping, including any alpha libpng would synthesise from a palette tRNS.
        png_set_strip_alpha(png);
    } else if (color_type == PNG_COLOR_TYPE_GRAY &&
               honours_transparency_key(png, png_info, color_type, bit_depth)) {
        png_set_tRNS_to_alpha(png);  // compared at full precision, before strip_16
    }
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, png_info);
    return passes;
}

/// Reads RGBA rows (into scratch memory owned by `context`) and converts them into `pixels`.
/// Interlaced images need every row at once; others are streamed one row at a time.
static void read_with_alpha(png_structp png, png_decode_context *context, int passes,
                            ic_alpha_mode alpha_mode, uint8_t *pixels, uint32_t width,
                            uint32_t height) {
    void (*convert)(const uint8_t *, uint8_t *, uint32_t) =
        alpha_mode == IC_ALPHA_DROP ? ic_strip_rgba : ic_composite_rgba_on_white;
    const size_t stride = (size_t)width * 4;
    const size_t buffered_rows = passes > 1 ? height : 1;
    if (buffered_rows > SIZE_MAX / stride) {
        png_error(png, "Out of memory for PNG rows");
    }
    uint8_t *scratch = (uint8_t *)malloc(buffered_rows * stride);
    if (scratch == NULL) {
        png_error(png, "Out of memory for PNG rows");
    }
    context->scratch = scratch;
    if (passes == 1) {
        for (uint32_t y = 0; y < height; y++) {
            context->scratch_row = y;
            png_read_row(png, scratch, NULL);
            convert(scratch, pixels + (size_t)y * width * 3, width);
        }
        return;
    }
    png_bytep *rows = (png_bytep *)malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) {
        png_error(png, "Out of memory for PNG row pointers");
    }
    context->rows = rows;
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = scratch + (size_t)y * stride;
    }
    png_read_image(png, rows);
    for (uint32_t y = 0; y < height; y++) {
        convert(rows[y], pixels + (size_t)y * width * 3, width);
    }
}

/// Reads RGB rows straight into `pixels` (all passes of an interlaced image included).
static void read_direct(png_structp png, png_decode_context *context, uint8_t *pixels,
                        uint32_t width, uint32_t height) {
    png_bytep *rows = (png_bytep *)malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) {
        png_error(png, "Out of memory for PNG row pointers");
    }
    context->rows = rows;
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * width * 3;
    }
    png_read_image(png, rows);
}

/// Finishes the RGBA conversion that the jump out of the last png_read_row interrupted: every
/// row is decoded, but the last one (one-row path) or all of them (interlaced path) still sit
/// in scratch memory. RGB rows went straight into `pixels` and need nothing.
static void finish_rows_after_jump(png_decode_context *context, int channels,
                                   ic_alpha_mode alpha_mode, uint8_t *pixels, uint32_t width) {
    if (channels != 4) {
        return;
    }
    void (*convert)(const uint8_t *, uint8_t *, uint32_t) =
        alpha_mode == IC_ALPHA_DROP ? ic_strip_rgba : ic_composite_rgba_on_white;
    if (context->passes == 1) {
        convert(context->scratch, pixels + (size_t)context->scratch_row * width * 3, width);
        return;
    }
    for (uint32_t y = 0; y < context->height; y++) {
        convert(context->rows[y], pixels + (size_t)y * width * 3, width);
    }
}

ic_status ic_png_decode_rgb8(const uint8_t *data, size_t size, uint64_t max_pixels,
                             ic_alpha_mode alpha_mode, uint8_t *pixels, size_t pixels_size,
                             ic_image_info *info) {
    ic_status status = ic_png_read_header(data, size, info);
    if (status != IC_STATUS_OK) {
        return status;
    }
    if (pixels == NULL ||
        (alpha_mode != IC_ALPHA_COMPOSITE_ON_WHITE && alpha_mode != IC_ALPHA_DROP)) {
        ic_set_message(info, "no output buffer or unknown alpha mode");
        return IC_STATUS_INVALID_ARGUMENT;
    }
    status = ic_check_output(info, max_pixels, pixels_size);
    if (status != IC_STATUS_OK) {
        return status;
    }
    const uint32_t width = info->width;
    const uint32_t height = info->height;

    png_decode_context context;
    memset(&context, 0, sizeof context);
    context.data = data;
    context.size = size;
    context.info = info;
    context.failure = IC_STATUS_CORRUPT;
    context.height = height;
    context.passes = 1;
    context.rows_complete_at = SIZE_MAX;
    // Written after setjmp and read after a jump: volatile, as for the context's members.
    volatile int channels = 0;

    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    if (png == NULL) {
        ic_set_message(info, "out of memory creating the PNG reader");
        return IC_STATUS_OUT_OF_MEMORY;
    }
    png_infop png_info = png_create_info_struct(png);
    if (png_info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        ic_set_message(info, "out of memory creating the PNG reader");
        return IC_STATUS_OUT_OF_MEMORY;
    }

    switch (setjmp(context.jump)) {
    case 0:
        break;
    case IC_PNG_JUMP_ROWS_COMPLETE:
        // From read_from_memory: every row is decoded, only trailing data was left unread.
        finish_rows_after_jump(&context, channels, alpha_mode, pixels, width);
        free(context.rows);
        free(context.scratch);
        png_destroy_read_struct(&png, &png_info, NULL);
        info->bytes_read = context.offset;
        return IC_STATUS_OK;
    default:
        // Reached from on_png_error; png and png_info were assigned before setjmp.
        free(context.rows);
        free(context.scratch);
        png_destroy_read_struct(&png, &png_info, NULL);
        info->bytes_read = context.offset;
        return context.failure;
    }

    // libpng's own guards, so a hostile file fails fast even if our checks were bypassed.
    png_uint_32 dimension_limit =
        max_pixels < PNG_UINT_31_MAX ? (png_uint_32)max_pixels : PNG_UINT_31_MAX;
    png_set_user_limits(png, dimension_limit, dimension_limit);
    png_set_chunk_cache_max(png, IC_PNG_CHUNK_CACHE_MAX);
    png_set_chunk_malloc_max(png, IC_PNG_CHUNK_MALLOC_MAX);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks,
                                (int)(sizeof ignored_chunks / 5));
    png_set_read_fn(png, &context, read_from_memory);

    png_read_info(png, png_info);
    if (png_get_image_width(png, png_info) != width ||
        png_get_image_height(png, png_info) != height) {
        png_error(png, "PNG dimensions changed between header probe and decode");
    }
    int passes = configure_output(png, png_info, alpha_mode);
    context.passes = passes;
    channels = png_get_channels(png, png_info);
    if ((channels != 3 && channels != 4) || png_get_bit_depth(png, png_info) != 8 ||
        png_get_rowbytes(png, png_info) != (size_t)width * channels) {
        png_error(png, "libpng did not produce 8-bit RGB or RGBA rows");
    }
    // png_read_end is deliberately not called: chunks after the image data (and a missing
    // IEND) do not affect the pixels, and Pillow tolerates them as well.
    if (channels == 4) {
        read_with_alpha(png, &context, passes, alpha_mode, pixels, width, height);
    } else {
        read_direct(png, &context, pixels, width, height);
    }

    free(context.rows);
    free(context.scratch);
    png_destroy_read_struct(&png, &png_info, NULL);
    info->bytes_read = context.offset;
    return IC_STATUS_OK;
}
