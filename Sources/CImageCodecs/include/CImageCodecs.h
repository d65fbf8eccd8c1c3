#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

// PNG and JPEG decoding from memory into interleaved 8-bit RGB, for Swift.
//
// libpng and libjpeg report fatal errors by longjmp (libjpeg's default handler even calls
// exit()). Swift frames cannot be unwound that way, so every entry point here sets up its own
// setjmp, installs silent error/warning handlers (nothing is ever printed), and returns an
// ic_status instead. No libpng or libjpeg type leaks through this header.
//
// Decoding is two-phase so that the caller can refuse a huge image before any pixel memory
// exists: *_read_header reports the dimensions, the caller checks them against its limit and
// allocates width * height * 3 bytes, then *_decode_rgb8 fills that buffer (and re-checks the
// limit itself, so a caller that skips the probe is still protected).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of a decoder call.
typedef enum ic_status {
    /// Success; the output (header or pixels) is valid.
    IC_STATUS_OK = 0,
    /// The data is malformed or truncated (bad signature, CRC, zlib or Huffman stream, ...).
    IC_STATUS_CORRUPT = 1,
    /// width * height exceeds the caller's max_pixels; info holds the declared size.
    IC_STATUS_TOO_LARGE = 2,
    /// A well-formed file this decoder does not handle (e.g. 12-bit JPEG, 2-component JPEG).
    IC_STATUS_UNSUPPORTED = 3,
    /// The codec library could not allocate its working memory.
    IC_STATUS_OUT_OF_MEMORY = 4,
    /// The caller passed a NULL pointer or an output buffer of the wrong size.
    IC_STATUS_INVALID_ARGUMENT = 5,
} ic_status;

/// What a PNG's transparency becomes in the RGB output.
typedef enum ic_alpha_mode {
    /// transformers' `convert_to_rgb` (CLIPImageProcessor and friends): any image that is not
    /// plain RGB is converted to RGBA (alpha channel, palette tRNS, gray tRNS) and
    /// alpha-composited over opaque white with Pillow's integer arithmetic. A tRNS colour key
    /// on an RGB image is ignored, since transformers leaves RGB images untouched.
    IC_ALPHA_COMPOSITE_ON_WHITE = 0,
    /// Pillow's `Image.convert("RGB")` (open_clip, timm): alpha is discarded, transparent
    /// pixels keep whatever colour they store.
    IC_ALPHA_DROP = 1,
} ic_alpha_mode;

/// How strictly a JPEG decode treats damaged data.
typedef enum ic_decode_flags {
    /// A scan that ends early, a bad Huffman code, stray bytes before a marker or a file that
    /// stops before its end are IC_STATUS_CORRUPT.
    IC_DECODE_STRICT = 0,
    /// Those are decoded as libjpeg does (and Pillow with LOAD_TRUNCATED_IMAGES): the missing
    /// or damaged part comes out gray; a file ending without EOI is closed with one.
    IC_DECODE_ALLOW_TRUNCATED = 1,
} ic_decode_flags;

/// Capacity of ic_image_info.message, including the terminating NUL.
#define IC_MESSAGE_CAPACITY 160

/// What a call learned about the image, filled in on success and, as far as it got, on failure.
typedef struct ic_image_info {
    /// Width in pixels as declared by the header (0 if the header was not reached).
    uint32_t width;
    /// Height in pixels as declared by the header (0 if the header was not reached).
    uint32_t height;
    /// Number of colour components stored in the file (1 gray, 2 gray+alpha, 3, 4), or 0.
    uint32_t components;
    /// How many bytes of the input the decoder read, on success and on failure. Whatever lies
    /// beyond was never looked at: tests use it to show that work stops where the image ends.
    uint64_t bytes_read;
    /// Header probes: bytes of the file after its header, where the image data lives (PNG:
    /// everything after IHDR; JPEG: everything after the first scan's SOS header).
    uint64_t data_bytes;
    /// Header probes: the fewest bytes that part holds in any complete file of the declared
    /// size and coding, or 0 when there is no such bound (arithmetic-coded JPEG). A file with
    /// data_bytes < min_data_bytes is truncated, which the caller can see before it allocates
    /// any pixel memory.
    uint64_t min_data_bytes;
    /// NUL-terminated reason for a failure (the codec library's own message where there is
    /// one); empty on success.
    char message[IC_MESSAGE_CAPACITY];
} ic_image_info;

/// Reads the PNG signature and IHDR chunk and reports the declared width and height.
/// Allocates nothing. Zero or out-of-range dimensions are IC_STATUS_CORRUPT.
ic_status ic_png_read_header(const uint8_t *data, size_t size, ic_image_info *info);

/// Decodes a whole PNG into `pixels` (row-major interleaved RGB, 8 bits per sample), which must
/// be exactly width * height * 3 bytes as reported by ic_png_read_header.
///
/// Every colour type is accepted: gray and palette of any bit depth (palette tRNS included),
/// gray+alpha, RGB, RGBA, 16-bit samples, Adam7 interlacing. Samples are converted as Pillow
/// opens them: gray is replicated, low bit depths are scaled by bit replication, 16-bit
/// samples keep their high byte, gamma/sRGB/ICC chunks are not applied; transparency is
/// handled as `alpha_mode` says. Reading stops once every declared row is decoded (beyond a
/// few bytes to check the stream's end): image data that goes on past them, a decompression
/// bomb behind a small header, is never read nor inflated, so the cost follows the declared size.
/// Returns IC_STATUS_TOO_LARGE, before decoding anything, when width * height > max_pixels.
ic_status ic_png_decode_rgb8(const uint8_t *data, size_t size, uint64_t max_pixels,
                             ic_alpha_mode alpha_mode, uint8_t *pixels, size_t pixels_size,
                             ic_image_info *info);

/// Encodes `width` x `height` interleaved RGB8 pixels as a PNG into `*out` (`*out_size` bytes),
/// allocated here and released with `ic_free`. For pictures made for people (highlighted search
/// hits); never crashes, prints or exits.
ic_status ic_png_encode_rgb8(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t **out, size_t *out_size);

/// Releases what an encoder allocated.
void ic_free(void *bytes);

/// Reads the JPEG markers up to the first scan and reports the declared width and height.
/// `flags` (ic_decode_flags) says whether damaged data in the markers is an error.
ic_status ic_jpeg_read_header(const uint8_t *data, size_t size, uint32_t flags,
                              ic_image_info *info);

/// Decodes a whole JPEG (baseline, progressive, arithmetic; gray, YCbCr, RGB, CMYK, YCCK) into
/// `pixels`, exactly width * height * 3 bytes, with the settings Pillow uses (ISLOW integer
/// DCT, fancy upsampling). Gray is replicated; 4-component images are treated as Adobe's
/// inverted CMYK and converted the way Pillow's `convert("RGB")` does. Under IC_DECODE_STRICT
/// a file whose data ends early or is damaged (any libjpeg warning about the data) is
/// IC_STATUS_CORRUPT, as Pillow refuses truncated files; IC_DECODE_ALLOW_TRUNCATED decodes it.
/// Returns IC_STATUS_TOO_LARGE, before decoding anything, when width * height > max_pixels.
ic_status ic_jpeg_decode_rgb8(const uint8_t *data, size_t size, uint64_t max_pixels,
                              uint32_t flags, uint8_t *pixels, size_t pixels_size,
                              ic_image_info *info);

#ifdef __cplusplus
}
#endif

#endif /* CIMAGECODECS_H */
