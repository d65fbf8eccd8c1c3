/*
 * c_driver.c - conformance driver for the C client (clients/c): runs every case of
 * cases.json against a running server and writes the canonical results (see README.md).
 *
 * usage: c-driver HOST PORT API_KEY CASES_JSON OUT_JSON   (run from the repository root)
 */
#include <multiembed.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "c-driver: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) die("out of memory", NULL);
    return p;
}

/* The whole file, NUL-terminated; *len gets its size. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) die("cannot open", path);
    size_t cap = 1 << 16, n = 0, got;
    char *buf = xmalloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            if (buf == NULL) die("out of memory", NULL);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *str_or(const js_value *object, const char *key, const char *fallback)
{
    const js_value *v = js_get(object, key);
    return v != NULL && v->type == JS_STRING ? v->string : fallback;
}

static long num_or(const js_value *object, const char *key, long fallback)
{
    const js_value *v = js_get(object, key);
    return v != NULL && v->type == JS_NUMBER ? (long)v->number : fallback;
}

static int bool_or(const js_value *object, const char *key, int fallback)
{
    const js_value *v = js_get(object, key);
    return v != NULL && v->type == JS_BOOL ? v->boolean : fallback;
}

/* A text input: a string, or {"repeat": s, "times": n}. Always a new allocation. */
static char *make_text(const js_value *item)
{
    if (item->type == JS_STRING) {
        char *s = xmalloc(strlen(item->string) + 1);
        strcpy(s, item->string);
        return s;
    }
    const char *unit = str_or(item, "repeat", "");
    long times = num_or(item, "times", 0);
    size_t len = strlen(unit);
    char *s = xmalloc(len * (size_t)times + 1);
    for (long i = 0; i < times; i++) memcpy(s + (size_t)i * len, unit, len);
    s[len * (size_t)times] = '\0';
    return s;
}

/* The bytes of an image input: {"file": path[, "take_bytes": n]} or {"hex": "..."}. */
static uint8_t *make_image(const js_value *item, size_t *len)
{
    const char *hex = str_or(item, "hex", NULL);
    if (hex != NULL) {
        size_t n = strlen(hex) / 2;
        uint8_t *bytes = xmalloc(n);
        for (size_t i = 0; i < n; i++) {
            unsigned byte;
            if (sscanf(hex + 2 * i, "%2x", &byte) != 1) die("bad hex", hex);
            bytes[i] = (uint8_t)byte;
        }
        *len = n;
        return bytes;
    }
    const char *path = str_or(item, "file", NULL);
    if (path == NULL) die("image input without file or hex", NULL);
    uint8_t *bytes = (uint8_t *)read_file(path, len);
    long take = num_or(item, "take_bytes", -1);
    if (take >= 0 && (size_t)take < *len) *len = (size_t)take;
    return bytes;
}

/* A patch grid whose values are exact in float32: ((i*7 + seed*13) % 97 - 48) / 32. */
static float *make_patches(const js_value *item, me_input *input)
{
    uint32_t rows = (uint32_t)num_or(item, "rows", 0), cols = (uint32_t)num_or(item, "cols", 0);
    uint32_t size = (uint32_t)num_or(item, "patch_size", 0), channels = (uint32_t)num_or(item, "channels", 3);
    long seed = num_or(item, "seed", 0);
    size_t n = (size_t)rows * cols * channels * size * size;
    float *values = xmalloc(n * sizeof *values);
    for (size_t i = 0; i < n; i++)
        values[i] = (float)((long)((i * 7 + (size_t)seed * 13) % 97) - 48) / 32.0f;
    if (bool_or(item, "nan", 0) && n > 0) values[0] = NAN;
    *input = me_patches(rows, cols, size, channels, values);
    return values;
}

static void put_float_hex(FILE *out, const float *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], sizeof bits);
        fprintf(out, "%02x%02x%02x%02x", bits & 0xFF, (bits >> 8) & 0xFF, (bits >> 16) & 0xFF, bits >> 24);
    }
}

/* Binary vectors come back decoded as floats (1 where the bit was set): pack them again, least
 * significant bit first, each of `rows` vectors on its own ceil(width / 8) bytes. */
static void put_bits_hex(FILE *out, const float *values, size_t rows, size_t width)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t start = 0; start < width; start += 8) {
            unsigned byte = 0;
            for (size_t b = 0; b < 8 && start + b < width; b++)
                if (values[r * width + start + b] > 0) byte |= 1u << b;
            fprintf(out, "%02x", byte);
        }
    }
}

static void put_vectors(FILE *out, int binary, const float *values, size_t rows, size_t width)
{
    fputc('"', out);
    if (binary) put_bits_hex(out, values, rows, width);
    else put_float_hex(out, values, rows * width);
    fputc('"', out);
}

static int parse_enum(const char *value, const char *const names[], int count, const char *what)
{
    for (int i = 0; i < count; i++)
        if (strcmp(value, names[i]) == 0) return i;
    die(what, value);
    return 0;
}

/* Runs one case and writes its canonical result object to `out`. */
static void run_case(me_client *client, const js_value *c, FILE *out)
{
    static const char *const outputs[] = {"pooled", "multi_vector", "both"};
    static const char *const encodings[] = {"float32", "float16", "int8", "binary"};
    static const char *const truncates[] = {"end", "start", "error"};
    const js_value *texts = js_get(c, "texts"), *images = js_get(c, "images"), *patches = js_get(c, "patches");
    size_t n = (texts ? texts->n : 0) + (images ? images->n : 0) + (patches ? patches->n : 0);
    me_input *inputs = xmalloc(n * sizeof *inputs);
    void **owned = xmalloc(n * sizeof *owned);
    size_t k = 0;
    for (size_t i = 0; texts && i < texts->n; i++, k++) {
        char *text = make_text(&texts->items[i]);
        owned[k] = text;
        inputs[k] = me_text(text);
    }
    for (size_t i = 0; images && i < images->n; i++, k++) {
        size_t len;
        uint8_t *bytes = make_image(&images->items[i], &len);
        owned[k] = bytes;
        inputs[k] = me_image(bytes, len, NULL);
    }
    for (size_t i = 0; patches && i < patches->n; i++, k++) owned[k] = make_patches(&patches->items[i], &inputs[k]);

    me_embed_options opts;
    memset(&opts, 0, sizeof opts);
    opts.model = str_or(c, "model", NULL);
    opts.prompt_name = str_or(c, "prompt_name", NULL);
    opts.instruction = str_or(c, "instruction", NULL);
    opts.output = (me_output)parse_enum(str_or(c, "output", "pooled"), outputs, 3, "unknown output");
    opts.dimensions = (uint32_t)num_or(c, "dimensions", 0);
    const js_value *normalize = js_get(c, "normalize");
    if (normalize != NULL && normalize->type == JS_BOOL)
        opts.normalize = normalize->boolean ? ME_NORMALIZE_ON : ME_NORMALIZE_OFF;
    opts.encoding = (me_encoding)parse_enum(str_or(c, "encoding", "float32"), encodings, 4, "unknown encoding");
    opts.truncate = (me_truncate)parse_enum(str_or(c, "truncate", "end"), truncates, 3, "unknown truncate");
    opts.all_or_nothing = bool_or(c, "all_or_nothing", 0);
    opts.deadline_ms = (uint32_t)num_or(c, "deadline_ms", 0);

    me_error err;
    me_result *result = me_embed(client, inputs, n, &opts, &err);
    fprintf(out, "{\"name\":\"%s\",", str_or(c, "name", "?"));
    if (result == NULL) {
        fprintf(out, "\"status\":%d,\"input_errors\":[],\"embeddings\":[]}", err.code);
    } else {
        int binary = opts.encoding == ME_ENCODING_BINARY;
        fprintf(out, "\"status\":0,\"input_errors\":[");
        int first = 1;
        for (size_t i = 0; i < result->count; i++) {
            if (result->embeddings[i].error_code == ME_OK) continue;
            fprintf(out, "%s[%zu,%d]", first ? "" : ",", i, result->embeddings[i].error_code);
            first = 0;
        }
        fprintf(out, "],\"embeddings\":[");
        for (size_t i = 0; i < result->count; i++) {
            const me_embedding *e = &result->embeddings[i];
            fprintf(out, "%s{\"truncated\":%s,\"pooled\":", i ? "," : "", e->truncated ? "true" : "false");
            if (e->error_code == ME_OK && e->pooled != NULL) {
                fprintf(out, "{\"dimension\":%u,\"hex\":", e->dimension);
                put_vectors(out, binary, e->pooled, 1, e->dimension);
                fputc('}', out);
            } else {
                fprintf(out, "null");
            }
            fprintf(out, ",\"multi_vector\":");
            if (e->error_code == ME_OK && e->multi_vector != NULL) {
                fprintf(out, "{\"count\":%u,\"dimension\":%u,\"hex\":", e->count, e->token_dimension);
                put_vectors(out, binary, e->multi_vector, e->count, e->token_dimension);
                fputc('}', out);
            } else {
                fprintf(out, "null");
            }
            fputc('}', out);
        }
        fprintf(out, "]}");
        me_result_free(result);
    }
    for (size_t i = 0; i < n; i++) free(owned[i]);
    free(owned);
    free(inputs);
}

static me_client *connect_with_key(const char *host, uint16_t port, const char *key)
{
    me_options opts;
    me_options_init(&opts);
    opts.call_timeout_ms = 60000;
    opts.api_key = key != NULL && key[0] != '\0' ? key : NULL;
    me_error err;
    me_client *client = me_connect(host, port, &opts, &err);
    if (client == NULL) die("cannot connect", err.message);
    return client;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: c-driver HOST PORT API_KEY CASES_JSON OUT_JSON\n");
        return 2;
    }
    const char *host = argv[1];
    uint16_t port = (uint16_t)atoi(argv[2]);
    size_t len;
    char *text = read_file(argv[4], &len);
    js_value doc;
    char message[200];
    if (js_parse(text, &doc, message, sizeof message) != 0) die("cannot parse the cases", message);
    const js_value *cases = js_get(&doc, "cases");
    if (cases == NULL || cases->type != JS_ARRAY) die("no \"cases\" list in", argv[4]);

    FILE *out = fopen(argv[5], "w");
    if (out == NULL) die("cannot write", argv[5]);
    me_client *client = connect_with_key(host, port, argv[3]);
    fprintf(out, "{\"client\":\"c\",\"results\":[");
    for (size_t i = 0; i < cases->n; i++) {
        const js_value *c = &cases->items[i];
        if (i) fputc(',', out);
        const js_value *key = js_get(c, "api_key");
        if (key != NULL && key->type == JS_STRING) { /* a handle of its own, with that key ("" = none) */
            me_client *other = connect_with_key(host, port, key->string);
            run_case(other, c, out);
            me_close(other);
        } else {
            run_case(client, c, out);
        }
    }
    fprintf(out, "]}\n");
    me_close(client);
    if (fclose(out) != 0) die("cannot write", argv[5]);
    js_free(&doc);
    free(text);
    return 0;
}
