/*
 * encodings.c - the vector encodings of embed.proto (Encoding), decoded back to float.
 *
 * Bytes are read one at a time and assembled explicitly, so decoding is the same on little-
 * and big-endian hosts and never reads through a misaligned pointer.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

int me__encoded_bytes(int encoding, uint32_t dim, uint64_t *bytes)
{
    switch (encoding) {
    case ME_ENCODING_FLOAT32: *bytes = (uint64_t)dim * 4; return ME_OK;
    case ME_ENCODING_FLOAT16: *bytes = (uint64_t)dim * 2; return ME_OK;
    case ME_ENCODING_INT8: *bytes = dim; return ME_OK;
    case ME_ENCODING_BINARY: *bytes = ((uint64_t)dim + 7) / 8; return ME_OK;
    default: return ME_INVALID_ARGUMENT;
    }
}

float me__half_to_float(uint16_t h)
{
    int sign = h >> 15;
    int exponent = (h >> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    float value;
    if (exponent == 0)
        value = ldexpf((float)mantissa, -24); /* zero or subnormal: mantissa * 2^-24 */
    else if (exponent == 31)
        value = mantissa == 0 ? INFINITY : NAN;
    else
        value = ldexpf((float)(mantissa | 0x400), exponent - 25); /* 1.m * 2^(e-15) */
    return sign ? -value : value;
}

static float float32_le(const uint8_t *p)
{
    uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void me__decode_vector(int encoding, const uint8_t *data, uint32_t dim, float scale, float *out)
{
    switch (encoding) {
    case ME_ENCODING_FLOAT32:
        for (uint32_t i = 0; i < dim; i++)
            out[i] = float32_le(data + 4 * (size_t)i);
        break;
    case ME_ENCODING_FLOAT16:
        for (uint32_t i = 0; i < dim; i++)
            out[i] = me__half_to_float((uint16_t)(data[2 * (size_t)i] |
                                                  data[2 * (size_t)i + 1] << 8));
        break;
    case ME_ENCODING_INT8:
        for (uint32_t i = 0; i < dim; i++)
            out[i] = (float)((int)data[i] - (data[i] >= 128 ? 256 : 0)) * scale;
        break;
    case ME_ENCODING_BINARY:
        for (uint32_t i = 0; i < dim; i++)
            /* +1 / -1 rather than 1 / 0: dot products of decoded sign vectors then track
               Hamming similarity, and all three clients (Swift, Python, C) agree. */
            out[i] = ((data[i / 8] >> (i % 8)) & 1) ? 1.0f : -1.0f;
        break;
    default:
        break; /* unreachable: callers check me__encoded_bytes first */
    }
}
