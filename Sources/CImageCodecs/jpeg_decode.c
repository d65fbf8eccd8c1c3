// JPEG -> RGB8 with libjpeg(-turbo), from memory, setjmp-safe.

#include "CImageCodecs.h"
#include "codec_common.h"
#include "pixel_rows.h"

#include <setjmp.h>
#include <stdio.h>  // jpeglib.h needs FILE and size_t declared first
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/// Progressive scans allowed before giving up. Real encoders write about 10; thousands of tiny
/// scans are a known way to make a small file cost minutes of CPU.
#define IC_JPEG_MAX_SCANS 500

/// Scanlines requested per jpeg_read_scanlines call (libjpeg returns at most rec_outbuf_height).
#define IC_JPEG_ROWS_PER_CALL 16

/// State reachable from libjpeg's callbacks through cinfo->client_data. Members written after
/// setjmp and read after the longjmp are volatile, as C requires.
typedef struct jpeg_decode_context {
    struct jpeg_error_mgr errors;
    struct jpeg_source_mgr source;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    ic_image_info *info;
    /// ic_decode_flags of the call.
    uint32_t flags;
    volatile ic_status failure;
    uint8_t *volatile scratch;
} jpeg_decode_context;

/// Fatal libjpeg error: keep the message, classify it, and jump back. Replaces the default
/// error_exit, which prints to stderr and calls exit().
static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    ic_set_message(context->info, "%s", text);
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY:
        context->failure = IC_STATUS_OUT_OF_MEMORY;
        break;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
        context->failure = IC_STATUS_UNSUPPORTED;
        break;
    default:
        context->failure = IC_STATUS_CORRUPT;
        break;
    }
    longjmp(context->jump, 1);
}

/// Whether a libjpeg warning says the image data is damaged or incomplete: a scan cut short by
/// a marker, a bad Huffman or arithmetic code, stray bytes before a marker, an impossible
/// progression, a missing end. The two others are about metadata (an unknown JFIF version or
/// Adobe colour transform code) and leave the pixels intact.
static int is_data_warning(int code) {
    return code != JWRN_ADOBE_XFORM && code != JWRN_JFIF_MAJOR;
}

/// libjpeg only warns (level -1) about damaged data and goes on, filling what it could not
/// decode with gray: a 26 KB file declaring 6000 x 6000 becomes a 108 MB gray picture. Unless
/// the caller allows truncated files, such a warning is fatal, reported with libjpeg's own text
/// ("Corrupt JPEG data: premature end of data segment"), as Pillow refuses truncated files.
/// Trace messages (level >= 0) are ignored; the default handler would print them.
static void on_jpeg_message(j_common_ptr cinfo, int level) {
    jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
    if (level < 0 && (context->flags & IC_DECODE_ALLOW_TRUNCATED) == 0 &&
        is_data_warning(cinfo->err->msg_code)) {
        on_jpeg_error(cinfo);
    }
}

static void on_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

/// Aborts decoding of progressive files with an absurd number of scans.
static void on_jpeg_progress(j_common_ptr common) {
    if (!common->is_decompressor) {
        return;
    }
    j_decompress_ptr cinfo = (j_decompress_ptr)common;
    if (cinfo->input_scan_number > IC_JPEG_MAX_SCANS) {
        jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
        ic_set_message(context->info, "JPEG has more than %d progressive scans",
                       IC_JPEG_MAX_SCANS);
        context->failure = IC_STATUS_CORRUPT;
        longjmp(context->jump, 1);
    }
}

// Source manager over one in-memory buffer, handed over whole in init_source.
// Running out of data is fatal: a truncated file is an error, not a half-gray picture. Only
// when the caller allows truncated files does it do what jpeg_mem_src does: warn, and pad the
// premature end with a fake EOI marker so that libjpeg finishes the image.

static void source_init(j_decompress_ptr cinfo) {
    (void)cinfo;
}

static boolean source_fill(j_decompress_ptr cinfo) {
    static const JOCTET fake_end_of_image[2] = {0xFF, JPEG_EOI};
    jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
    if ((context->flags & IC_DECODE_ALLOW_TRUNCATED) == 0) {
        ERREXIT(cinfo, JERR_INPUT_EOF);
    }
    WARNMS(cinfo, JWRN_JPEG_EOF);
    cinfo->src->next_input_byte = fake_end_of_image;
    cinfo->src->bytes_in_buffer = sizeof fake_end_of_image;
    return TRUE;
}

static void source_skip(j_decompress_ptr cinfo, long count) {
    struct jpeg_source_mgr *source = cinfo->src;
    if (count <= 0) {
        return;
    }
    if ((unsigned long)count > source->bytes_in_buffer) {
        source->bytes_in_buffer = 0;
        source_fill(cinfo);  // fatal, or the fake EOI when truncated files are allowed
        return;
    }
    source->next_input_byte += count;
    source->bytes_in_buffer -= (size_t)count;
}

static void source_term(j_decompress_ptr cinfo) {
    (void)cinfo;
}

/// The fewest bytes the entropy-coded data of the first scan takes in a complete file, from the
/// declared size alone; 0 when there is no such bound.
///
/// With Huffman coding every code is at least one bit, and every 8 x 8 block a scan covers
/// needs codes: a sequential scan codes a DC difference and then an end-of-block or a last
/// coefficient (at least 2 bits a block); a progressive file must open each component with a
/// DC scan (at least 1 bit a block; an AC scan first draws a warning, which is an error here).
/// Blocks are counted per component, without the padding of interleaved MCUs, so this is a
/// lower bound; markers and byte stuffing only add to it. Arithmetic coding can spend far less
/// than a bit a block, so it has no bound.
static uint64_t first_scan_min_bytes(j_decompress_ptr cinfo) {
    if (cinfo->arith_code) {
        return 0;
    }
    uint64_t bits_per_block;
    if (!cinfo->progressive_mode) {
        bits_per_block = 2;
    } else if (cinfo->Ss == 0) {
        bits_per_block = 1;
    } else {
        return 0;
    }
    uint64_t blocks = 0;
    for (int index = 0; index < cinfo->comps_in_scan; index++) {
        const jpeg_component_info *component = cinfo->cur_comp_info[index];
        blocks += (uint64_t)component->width_in_blocks * (uint64_t)component->height_in_blocks;
    }
    return (blocks * bits_per_block + 7) / 8;
}

/// Shared body of header probe (pixels == NULL) and full decode.
static ic_status run_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t flags,
                          uint8_t *pixels, size_t pixels_size, ic_image_info *info) {
    if (info == NULL) {
        return IC_STATUS_INVALID_ARGUMENT;
    }
    ic_info_reset(info);
    if (data == NULL) {
        ic_set_message(info, "no data");
        return IC_STATUS_INVALID_ARGUMENT;
    }

    jpeg_decode_context context;
    memset(&context, 0, sizeof context);
    context.info = info;
    context.flags = flags;
    context.failure = IC_STATUS_CORRUPT;

    // Zeroed first so that jpeg_destroy_decompress is safe even if creation itself fails.
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&context.errors);
    context.errors.error_exit = on_jpeg_error;
    context.errors.emit_message = on_jpeg_message;
    context.errors.output_message = on_jpeg_output_message;
    cinfo.client_data = &context;

    if (setjmp(context.jump) != 0) {
        jpeg_destroy_decompress(&cinfo);
        free(context.scratch);
        return context.failure;
    }

    jpeg_create_decompress(&cinfo);
    cinfo.client_data = &context;  // jpeg_create_decompress keeps it, but be explicit

    context.source.init_source = source_init;
    context.source.fill_input_buffer = source_fill;
    context.source.skip_input_data = source_skip;
    context.source.resync_to_restart = jpeg_resync_to_restart;
    context.source.term_source = source_term;
    context.source.next_input_byte = data;
    context.source.bytes_in_buffer = size;
    cinfo.src = &context.source;

    context.progress.progress_monitor = on_jpeg_progress;
    cinfo.progress = &context.progress;

    jpeg_read_header(&cinfo, TRUE);
    info->width = cinfo.image_width;
    info->height = cinfo.image_height;
    info->components = (uint32_t)cinfo.num_components;
    info->data_bytes = cinfo.src->bytes_in_buffer;
    info->min_data_bytes = first_scan_min_bytes(&cinfo);
    if (pixels == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return IC_STATUS_OK;
    }

    ic_status status = ic_check_output(info, max_pixels, pixels_size);
    if (status != IC_STATUS_OK) {
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    switch (cinfo.num_components) {
    case 1: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: cinfo.out_color_space = JCS_RGB; break;
    case 4: cinfo.out_color_space = JCS_CMYK; break;  // from CMYK or YCCK
    default:
        jpeg_destroy_decompress(&cinfo);
        ic_set_message(info, "JPEG with %d colour components", cinfo.num_components);
        return IC_STATUS_UNSUPPORTED;
    }
    // A progressive file keeps every DCT coefficient of the image until its last scan: 2 bytes
    // a sample of each component, padded to whole 8 x 8 blocks at the largest sampling factor
    // (16 x 16 with 2x subsampling). Cap libjpeg's memory at that, plus 16 MiB of working
    // buffers, so no header (odd sampling factors, many components) can make it ask for more
    // than the image it declares needs; beyond it libjpeg stops with an error (it has no
    // backing store to spill to).
    {
        const uint64_t padded_width = ((uint64_t)info->width + 31) & ~(uint64_t)15;
        const uint64_t padded_height = ((uint64_t)info->height + 31) & ~(uint64_t)15;
        const uint64_t coefficients = padded_width * padded_height * (uint64_t)cinfo.num_components * 2;
        cinfo.mem->max_memory_to_use = (long)(coefficients + ((uint64_t)16 << 20));
    }
    // Pillow's settings (also libjpeg's defaults): accurate integer IDCT, smooth chroma
    // upsampling. Output must match its pixels, so neither is traded for speed.
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;

    jpeg_start_decompress(&cinfo);
    const uint32_t width = info->width;
    const int components = cinfo.output_components;
    if (cinfo.output_width != width || cinfo.output_height != info->height ||
        (components != 1 && components != 3 && components != 4)) {
        ERREXIT(&cinfo, JERR_CONVERSION_NOTIMPL);
    }

    const size_t scratch_stride = (size_t)width * (size_t)components;
    uint8_t *scratch = NULL;
    if (components != 3) {
        scratch = (uint8_t *)malloc(scratch_stride * IC_JPEG_ROWS_PER_CALL);
        if (scratch == NULL) {
            ERREXIT1(&cinfo, JERR_OUT_OF_MEMORY, 0);
        }
        context.scratch = scratch;
    }

    JSAMPROW rows[IC_JPEG_ROWS_PER_CALL];
    while (cinfo.output_scanline < cinfo.output_height) {
        const JDIMENSION first = cinfo.output_scanline;
        JDIMENSION wanted = cinfo.output_height - first;
        if (wanted > IC_JPEG_ROWS_PER_CALL) {
            wanted = IC_JPEG_ROWS_PER_CALL;
        }
        for (JDIMENSION row = 0; row < wanted; row++) {
            rows[row] = scratch != NULL ? scratch + row * scratch_stride
                                        : pixels + (size_t)(first + row) * width * 3;
        }
        JDIMENSION got = jpeg_read_scanlines(&cinfo, rows, wanted);
        if (got == 0) {
            ERREXIT(&cinfo, JERR_INPUT_EOF);  // cannot happen without suspension; be safe
        }
        if (scratch != NULL) {
            for (JDIMENSION row = 0; row < got; row++) {
                const uint8_t *source = scratch + row * scratch_stride;
                uint8_t *destination = pixels + (size_t)(first + row) * width * 3;
                if (components == 1) {
                    ic_gray_to_rgb(source, destination, width);
                } else {
                    ic_inverted_cmyk_to_rgb(source, destination, width);
                }
            }
        }
    }

    // jpeg_finish_decompress is not called: it would only look for the EOI marker.
    free(context.scratch);
    jpeg_destroy_decompress(&cinfo);
    return IC_STATUS_OK;
}

ic_status ic_jpeg_read_header(const uint8_t *data, size_t size, uint32_t flags,
                              ic_image_info *info) {
    return run_jpeg(data, size, 0, flags, NULL, 0, info);
}

ic_status ic_jpeg_decode_rgb8(const uint8_t *data, size_t size, uint64_t max_pixels,
                              uint32_t flags, uint8_t *pixels, size_t pixels_size,
                              ic_image_info *info) {
    if (pixels == NULL) {
        if (info != NULL) {
            ic_info_reset(info);
            ic_set_message(info, "no output buffer");
        }
        return IC_STATUS_INVALID_ARGUMENT;
    }
    return run_jpeg(data, size, max_pixels, flags, pixels, pixels_size, info);
}
