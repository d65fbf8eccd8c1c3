/* test_encodings.c - vector decoding against hand-computed values, UTF-8 checks, helpers. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "internal.h"

static void half_values(void)
{
    CHECK_FLOAT(me__half_to_float(0x3c00), 1.0, 0);
    CHECK_FLOAT(me__half_to_float(0xc000), -2.0, 0);
    CHECK_FLOAT(me__half_to_float(0x7bff), 65504.0, 0);           /* largest half */
    CHECK_FLOAT(me__half_to_float(0x0001), 5.9604644775390625e-8, 0); /* 2^-24, subnormal */
    CHECK_FLOAT(me__half_to_float(0x03ff), 6.097555160522461e-5, 0);  /* 1023 x 2^-24 */
    CHECK_FLOAT(me__half_to_float(0x0400), 6.103515625e-5, 0);        /* 2^-14, normal */
    CHECK_FLOAT(me__half_to_float(0x3555), 0.333251953125, 0);        /* 1365 / 4096 */
    CHECK_FLOAT(me__half_to_float(0x3800), 0.5, 0);
    CHECK(isinf(me__half_to_float(0x7c00)) && me__half_to_float(0x7c00) > 0);
    CHECK(isinf(me__half_to_float(0xfc00)) && me__half_to_float(0xfc00) < 0);
    CHECK(isnan(me__half_to_float(0x7e00)));
    CHECK(me__half_to_float(0x8000) == 0.0f && signbit(me__half_to_float(0x8000)));
}

static void encoded_sizes(void)
{
    uint64_t b = 0;
    CHECK(me__encoded_bytes(ME_ENCODING_FLOAT32, 3, &b) == ME_OK && b == 12);
    CHECK(me__encoded_bytes(ME_ENCODING_FLOAT16, 3, &b) == ME_OK && b == 6);
    CHECK(me__encoded_bytes(ME_ENCODING_INT8, 3, &b) == ME_OK && b == 3);
    CHECK(me__encoded_bytes(ME_ENCODING_BINARY, 0, &b) == ME_OK && b == 0);
    CHECK(me__encoded_bytes(ME_ENCODING_BINARY, 1, &b) == ME_OK && b == 1);
    CHECK(me__encoded_bytes(ME_ENCODING_BINARY, 8, &b) == ME_OK && b == 1);
    CHECK(me__encoded_bytes(ME_ENCODING_BINARY, 9, &b) == ME_OK && b == 2);
    CHECK(me__encoded_bytes(ME_ENCODING_FLOAT32, UINT32_MAX, &b) == ME_OK &&
          b == 4ull * UINT32_MAX);
    CHECK(me__encoded_bytes(7, 3, &b) == ME_INVALID_ARGUMENT);
}

static void decode_float32(void)
{
    /* The README's worked example: 0.6f and 0.8f little-endian. */
    const uint8_t data[] = {0x9a, 0x99, 0x19, 0x3f, 0xcd, 0xcc, 0x4c, 0x3f};
    float out[2];
    me__decode_vector(ME_ENCODING_FLOAT32, data, 2, 0, out);
    CHECK_FLOAT(out[0], 0.6f, 0);
    CHECK_FLOAT(out[1], 0.8f, 0);
}

static void decode_float16(void)
{
    const uint8_t data[] = {0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0x01, 0x00};
    float out[4];
    me__decode_vector(ME_ENCODING_FLOAT16, data, 4, 0, out);
    CHECK_FLOAT(out[0], 1.0, 0);
    CHECK_FLOAT(out[1], -2.0, 0);
    CHECK_FLOAT(out[2], 0.333251953125, 0);
    CHECK_FLOAT(out[3], 5.9604644775390625e-8, 0);
}

static void decode_int8(void)
{
    const uint8_t data[] = {127, 0x81, 0, 64, 0xc0, 1};
    float out[6];
    me__decode_vector(ME_ENCODING_INT8, data, 6, 0.5f, out);
    CHECK_FLOAT(out[0], 63.5, 0);
    CHECK_FLOAT(out[1], -63.5, 0);
    CHECK_FLOAT(out[2], 0.0, 0);
    CHECK_FLOAT(out[3], 32.0, 0);
    CHECK_FLOAT(out[4], -32.0, 0);
    CHECK_FLOAT(out[5], 0.5, 0);
    /* A zero vector has scale 0: every value decodes to 0. */
    me__decode_vector(ME_ENCODING_INT8, data, 6, 0.0f, out);
    for (int i = 0; i < 6; i++)
        CHECK_FLOAT(out[i], 0.0, 0);
}

static void decode_binary(void)
{
    /* bit i = (byte[i / 8] >> (i % 8)) & 1, least significant bit first. */
    const uint8_t data[] = {0xa5 /* 1010 0101 */, 0x02 /* 0000 0010 */};
    const float want[10] = {1, -1, 1, -1, -1, 1, -1, 1, -1, 1};
    float out[10];
    me__decode_vector(ME_ENCODING_BINARY, data, 10, 0, out);
    for (int i = 0; i < 10; i++)
        CHECK_FLOAT(out[i], want[i], 0);
}

static void utf8(void)
{
    CHECK(me__valid_utf8(""));
    CHECK(me__valid_utf8("plain ascii"));
    CHECK(me__valid_utf8("h\xc3\xa9llo"));        /* é */
    CHECK(me__valid_utf8("\xe2\x82\xac"));        /* € */
    CHECK(me__valid_utf8("\xf0\x9f\x98\x80"));    /* U+1F600 */
    CHECK(me__valid_utf8("\xf4\x8f\xbf\xbf"));    /* U+10FFFF */
    CHECK(!me__valid_utf8("\xc3\x28"));           /* bad continuation */
    CHECK(!me__valid_utf8("\xe2\x82"));           /* truncated */
    CHECK(!me__valid_utf8("\xc0\xaf"));           /* overlong '/' */
    CHECK(!me__valid_utf8("\xe0\x80\xaf"));       /* overlong, 3 bytes */
    CHECK(!me__valid_utf8("\xed\xa0\x80"));       /* surrogate U+D800 */
    CHECK(!me__valid_utf8("\xf4\x90\x80\x80"));   /* past U+10FFFF */
    CHECK(!me__valid_utf8("\xff"));
}

static void helpers(void)
{
    const float a[] = {1, 0}, b[] = {0, 1}, c[] = {1, 2}, d[] = {2, 4}, z[] = {0, 0};
    CHECK_FLOAT(me_cosine(a, b, 2), 0.0, 0);
    CHECK_FLOAT(me_cosine(c, d, 2), 1.0, 1e-7);
    CHECK_FLOAT(me_cosine(a, z, 2), 0.0, 0);
    CHECK(strcmp(me_code_name(ME_OK), "OK") == 0);
    CHECK(strcmp(me_code_name(ME_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
    CHECK(strcmp(me_code_name(ME_UNAUTHENTICATED), "UNAUTHENTICATED") == 0);
    CHECK(strcmp(me_code_name(17), "UNKNOWN_CODE") == 0);
    CHECK(strcmp(me_code_name(-1), "UNKNOWN_CODE") == 0);
    me_options o;
    me_options_init(&o);
    CHECK(o.connect_timeout_ms > 0 && o.max_response_bytes > 0 && o.call_timeout_ms == 0);
}

const test_case encoding_tests[] = {
    {"encodings: float16 bit patterns", half_values},
    {"encodings: encoded sizes", encoded_sizes},
    {"encodings: float32 vector", decode_float32},
    {"encodings: float16 vector", decode_float16},
    {"encodings: int8 vector", decode_int8},
    {"encodings: binary vector", decode_binary},
    {"request: UTF-8 validation", utf8},
    {"helpers: cosine, code names, options", helpers},
    {NULL, NULL},
};
