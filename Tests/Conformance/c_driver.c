/*
 * c_driver.c - conformance driver for the C client (clients/c): runs every case of
 * cases.json against a running server and writes the canonical results (see README.md): embed
 * cases, and late-interaction cases (with an "op") on collections named by the case + "-c".
 *
 * usage: c-driver HOST PORT API_KEY CASES_JSON OUT_JSON   (run from the repository root)
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

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

/* Storage a case's sources point into, freed after the call. */
typedef struct owned_list {
    void **items;
    size_t n, cap;
} owned_list;

static void *own(owned_list *list, void *p)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? 2 * list->cap : 16;
        list->items = realloc(list->items, list->cap * sizeof *list->items);
        if (list->items == NULL) die("out of memory", NULL);
    }
    list->items[list->n++] = p;
    return p;
}

static void free_owned(owned_list *list)
{
    for (size_t i = 0; i < list->n; i++) free(list->items[i]);
    free(list->items);
}

/* A page {"image_file": path} or {"pdf_file": path[, "page_number": n]}, optionally with
 * "languages": [...]; its bytes and language list are owned by `owned`. */
static me_input make_page(const js_value *item, owned_list *owned)
{
    const char *image = str_or(item, "image_file", NULL), *pdf = str_or(item, "pdf_file", NULL);
    if (image == NULL && pdf == NULL) die("a page without image_file or pdf_file", NULL);
    size_t len = 0;
    const uint8_t *bytes = own(owned, read_file(image != NULL ? image : pdf, &len));
    me_input input = image != NULL
        ? me_page_image(bytes, len, NULL)
        : me_page_pdf(bytes, len, (uint32_t)num_or(item, "page_number", 0), NULL);
    const js_value *langs = js_get(item, "languages");
    if (langs != NULL && langs->type == JS_ARRAY && langs->n > 0) {
        const char **list = own(owned, xmalloc(langs->n * sizeof *list));
        for (size_t i = 0; i < langs->n; i++) list[i] = langs->items[i].string;
        input.languages = list;
        input.n_languages = langs->n;
    }
    return input;
}

/* A page text layer as {"text", "source", "words": count}, or null. */
static void put_string(FILE *out, const char *s);
static void put_page_text(FILE *out, const me_page_text *t)
{
    if (t == NULL) {
        fprintf(out, "null");
        return;
    }
    fprintf(out, "{\"text\":");
    put_string(out, t->text);
    fprintf(out, ",\"source\":");
    put_string(out, t->source);
    fprintf(out, ",\"words\":%zu}", t->n_words);
}

/* Runs one case and writes its canonical result object to `out`. */
static void run_case(me_client *client, const js_value *c, FILE *out)
{
    static const char *const outputs[] = {"pooled", "multi_vector", "both"};
    static const char *const encodings[] = {"float32", "float16", "int8", "binary"};
    static const char *const truncates[] = {"end", "start", "error"};
    const js_value *texts = js_get(c, "texts"), *images = js_get(c, "images"), *patches = js_get(c, "patches");
    const js_value *pages = js_get(c, "pages");
    size_t n_pages = pages ? pages->n : 0;
    size_t n = (texts ? texts->n : 0) + (images ? images->n : 0) + (patches ? patches->n : 0) + n_pages;
    me_input *inputs = xmalloc(n * sizeof *inputs);
    owned_list page_owned = {0};
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
    for (size_t i = 0; i < n_pages; i++, k++) { /* sent after the patches */
        owned[k] = NULL;
        inputs[k] = make_page(&pages->items[i], &page_owned);
    }

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
            fprintf(out, ",\"page_text\":");
            put_page_text(out, e->error_code == ME_OK ? e->page_text : NULL);
            fputc('}', out);
        }
        fprintf(out, "]}");
        me_result_free(result);
    }
    for (size_t i = 0; i < n; i++) free(owned[i]);
    free(owned);
    free_owned(&page_owned);
    free(inputs);
}


/* ---- late-interaction cases (with an "op"); collections are named name + SUFFIX ---- */

#define SUFFIX "-c"

/* A JSON string literal of s (quotes, backslashes and control characters escaped). */
static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
        else if (*p < 0x20) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
    fputc('"', out);
}

/* Metadata as a JSON object with keys in sorted order (as Python's json.dumps(sort_keys)). */
static int by_key(const void *a, const void *b)
{
    return strcmp(((const me_metadata *)a)->key, ((const me_metadata *)b)->key);
}

static void put_metadata(FILE *out, me_metadata *m, size_t n)
{
    if (n > 0) qsort(m, n, sizeof *m, by_key);
    fputc('{', out);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', out);
        put_string(out, m[i].key);
        fputc(':', out);
        put_string(out, m[i].value);
    }
    fputc('}', out);
}

/* A query or document: {"text"}, {"image"}, {"patches"}, {"vectors": {count, dimension, seed,
 * nan}}, {"stored": id} or {"page": {...}}. */
static me_source make_source(const js_value *item, owned_list *owned)
{
    const js_value *v;
    if (js_get(item, "stored") != NULL) return me_source_stored(str_or(item, "stored", NULL));
    if ((v = js_get(item, "text")) != NULL) return me_source_text(own(owned, make_text(v)));
    if ((v = js_get(item, "image")) != NULL) {
        size_t len;
        uint8_t *bytes = own(owned, make_image(v, &len));
        return me_source_input(me_image(bytes, len, NULL));
    }
    if ((v = js_get(item, "patches")) != NULL) {
        me_input input;
        own(owned, make_patches(v, &input));
        return me_source_input(input);
    }
    if ((v = js_get(item, "page")) != NULL) return me_source_input(make_page(v, owned));
    if ((v = js_get(item, "vectors")) == NULL) die("a source without text, image, patches, page or vectors", NULL);
    uint32_t count = (uint32_t)num_or(v, "count", 0), dimension = (uint32_t)num_or(v, "dimension", 0);
    long seed = num_or(v, "seed", 0);
    size_t n = (size_t)count * dimension;
    float *values = own(owned, xmalloc(n * sizeof *values));
    for (size_t i = 0; i < n; i++)
        values[i] = (float)((long)((i * 7 + (size_t)seed * 13) % 97) - 48) / 32.0f;
    if (bool_or(v, "nan", 0) && n > 0) values[0] = NAN;
    return me_source_vectors(values, count, dimension);
}

/* Whether a document or query names a source (text, image, patches, vectors or stored). */
static int has_source(const js_value *item)
{
    static const char *const keys[] = {"text", "image", "patches", "vectors", "stored", "page"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (js_get(item, keys[i]) != NULL) return 1;
    return 0;
}

/* A pooled vector {"dimension", "seed"}: `dimension` float32 values by the patches' formula,
 * owned by `owned`; NULL and 0 when `spec` is absent. */
static const float *make_pooled(const js_value *spec, uint32_t *dimension, owned_list *owned)
{
    *dimension = 0;
    if (spec == NULL || spec->type != JS_OBJECT) return NULL;
    uint32_t n = (uint32_t)num_or(spec, "dimension", 0);
    long seed = num_or(spec, "seed", 0);
    float *values = own(owned, xmalloc((size_t)n * sizeof *values));
    for (size_t i = 0; i < n; i++)
        values[i] = (float)((long)((i * 7 + (size_t)seed * 13) % 97) - 48) / 32.0f;
    *dimension = n;
    return n > 0 ? values : NULL;
}

/* The case's collection name with this driver's suffix, owned by `owned`. */
static const char *collection_name(const js_value *c, owned_list *owned)
{
    const char *base = str_or(c, "collection", "");
    char *name = own(owned, xmalloc(strlen(base) + sizeof SUFFIX));
    strcpy(name, base);
    strcat(name, SUFFIX);
    return name;
}

/* An array of the strings of a JSON array (NULL for none), owned by `owned`. */
static const char **string_list(const js_value *array, size_t *n, owned_list *owned)
{
    *n = array != NULL ? array->n : 0;
    if (*n == 0) return NULL;
    const char **list = own(owned, xmalloc(*n * sizeof *list));
    for (size_t i = 0; i < *n; i++) list[i] = array->items[i].string;
    return list;
}

static void put_collection(FILE *out, const me_collection_info *info)
{
    size_t len = strlen(info->name), suffix = strlen(SUFFIX);
    char *name = xmalloc(len + 1);
    strcpy(name, info->name);
    if (len >= suffix) name[len - suffix] = '\0';
    fprintf(out, "{\"name\":");
    put_string(out, name);
    fprintf(out, ",\"dimension\":%u,\"precision\":%d,\"pool_factor\":%u,\"max_vectors\":%u,\"model\":",
            info->dimension, info->precision, info->pool_factor, info->max_vectors);
    put_string(out, info->model);
    fprintf(out, ",\"document_count\":%llu,\"kind\":%d}", (unsigned long long)info->document_count,
            info->kind);
    free(name);
}

static int has_suffix(const char *s)
{
    size_t len = strlen(s), suffix = strlen(SUFFIX);
    return len >= suffix && strcmp(s + len - suffix, SUFFIX) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const me_collection_info *)a)->name, ((const me_collection_info *)b)->name);
}

static int run_collection_op(me_client *client, const js_value *c, const char *op, const char *name, FILE *out,
                             me_error *err)
{
    static const char *const precisions[] = {"float32", "float16", "int8", "binary"};
    static const char *const kinds[] = {"multi_vector", "dense"};
    if (strcmp(op, "create_collection") == 0) {
        me_collection_options o;
        memset(&o, 0, sizeof o);
        o.model = str_or(c, "model", NULL);
        o.dimension = (uint32_t)num_or(c, "dimension", 0);
        o.precision = (me_precision)parse_enum(str_or(c, "precision", "float32"), precisions, 4, "unknown precision");
        o.pool_factor = (uint32_t)num_or(c, "pool_factor", 0);
        o.max_vectors = (uint32_t)num_or(c, "max_vectors", 0);
        o.vectors_only = bool_or(c, "vectors_only", 0);
        o.kind = (me_collection_kind)parse_enum(str_or(c, "kind", "multi_vector"), kinds, 2, "unknown kind");
        me_collection_info *info = me_create_collection(client, name, &o, err);
        if (info == NULL) return err->code;
        fprintf(out, ",\"collection\":");
        put_collection(out, info);
        me_collection_info_free(info);
        return ME_OK;
    }
    if (strcmp(op, "list_collections") == 0) {
        me_collection_list *list = me_list_collections(client, NULL, err);
        if (list == NULL) return err->code;
        if (list->count > 0) qsort(list->collections, list->count, sizeof *list->collections, by_name);
        fprintf(out, ",\"collections\":[");
        int first = 1;
        for (size_t i = 0; i < list->count; i++) {
            if (!has_suffix(list->collections[i].name)) continue;
            if (!first) fputc(',', out);
            put_collection(out, &list->collections[i]);
            first = 0;
        }
        fputc(']', out);
        me_collection_list_free(list);
        return ME_OK;
    }
    if (strcmp(op, "drop_collection") == 0) return me_drop_collection(client, name, NULL, err);
    die("unknown op", op);
    return ME_INTERNAL;
}

static int run_upsert(me_client *client, const js_value *c, const char *name, FILE *out, owned_list *owned,
                      me_error *err)
{
    const js_value *docs = js_get(c, "documents");
    size_t n = docs != NULL ? docs->n : 0;
    me_document *documents = own(owned, xmalloc(n * sizeof *documents));
    for (size_t i = 0; i < n; i++) {
        const js_value *d = &docs->items[i], *meta = js_get(d, "metadata");
        memset(&documents[i], 0, sizeof documents[i]);
        documents[i].id = str_or(d, "id", NULL);
        if (has_source(d)) documents[i].content = make_source(d, owned); /* else ME_SOURCE_NONE */
        documents[i].pooled = make_pooled(js_get(d, "pooled"), &documents[i].pooled_dimension, owned);
        if (meta != NULL && meta->n > 0) {
            me_metadata *m = own(owned, xmalloc(meta->n * sizeof *m));
            for (size_t k = 0; k < meta->n; k++) {
                m[k].key = meta->keys[k];
                m[k].value = meta->items[k].string;
            }
            documents[i].metadata = m;
            documents[i].n_metadata = meta->n;
        }
    }
    me_upsert_options o;
    memset(&o, 0, sizeof o);
    o.prompt_name = str_or(c, "prompt_name", NULL);
    o.instruction = str_or(c, "instruction", NULL);
    me_upsert_result result;
    if (me_upsert(client, name, documents, n, &o, &result, err) != ME_OK) return err->code;
    fprintf(out, ",\"upserted\":%u", result.upserted);
    return ME_OK;
}

static int run_search(me_client *client, const js_value *c, const char *name, FILE *out, owned_list *owned,
                      me_error *err)
{
    static const char *const modes[] = {"default", "maxsim", "dense", "hybrid"};
    static const char *const metrics[] = {"cosine", "dot"};
    const js_value *q = js_get(c, "query");
    me_source query;
    memset(&query, 0, sizeof query);
    if (q != NULL) query = make_source(q, owned);
    me_search_options o;
    memset(&o, 0, sizeof o);
    o.top_k = (uint32_t)num_or(c, "top_k", 10);
    o.filter_ids = string_list(js_get(c, "filter_ids"), &o.n_filter_ids, owned);
    o.prompt_name = str_or(c, "prompt_name", NULL);
    o.instruction = str_or(c, "instruction", NULL);
    o.mode = (me_search_mode)parse_enum(str_or(c, "mode", "default"), modes, 4, "unknown mode");
    o.metric = (me_metric)parse_enum(str_or(c, "metric", "cosine"), metrics, 2, "unknown metric");
    o.candidates = (uint32_t)num_or(c, "candidates", 0);
    const js_value *meta = js_get(c, "filter_metadata");
    if (meta != NULL && meta->type == JS_OBJECT && meta->n > 0) {
        me_metadata *m = own(owned, xmalloc(meta->n * sizeof *m));
        for (size_t k = 0; k < meta->n; k++) {
            m[k].key = meta->keys[k];
            m[k].value = meta->items[k].string;
        }
        o.filter_metadata = m;
        o.n_filter_metadata = meta->n;
    }
    o.query_pooled = make_pooled(js_get(c, "query_pooled"), &o.query_pooled_dimension, owned);
    o.include_matches = bool_or(c, "include_matches", 0);
    me_search_result *hits = me_search(client, name, q != NULL ? &query : NULL, &o, err);
    if (hits == NULL) return err->code;
    fprintf(out, ",\"hits\":[");
    for (size_t i = 0; i < hits->count; i++) {
        fprintf(out, "%s{\"id\":", i ? "," : "");
        put_string(out, hits->hits[i].id);
        fprintf(out, ",\"score\":\"");
        put_float_hex(out, &hits->hits[i].score, 1);
        fprintf(out, "\",\"metadata\":");
        put_metadata(out, hits->hits[i].metadata, hits->hits[i].n_metadata);
        if (o.include_matches) { /* "matches" only when the case asks for them */
            fprintf(out, ",\"matches\":[");
            for (size_t k = 0; k < hits->hits[i].n_matches; k++) {
                if (k) fputc(',', out);
                put_string(out, hits->hits[i].matches[k].word.text);
            }
            fputc(']', out);
        }
        fputc('}', out);
    }
    fputc(']', out);
    me_search_result_free(hits);
    return ME_OK;
}

static int run_score(me_client *client, const js_value *c, const char *name, FILE *out, owned_list *owned,
                     me_error *err)
{
    me_source query = make_source(js_get(c, "query"), owned);
    const js_value *docs = js_get(c, "documents");
    size_t n = docs != NULL ? docs->n : 0;
    me_source *documents = own(owned, xmalloc(n * sizeof *documents));
    for (size_t i = 0; i < n; i++) documents[i] = make_source(&docs->items[i], owned);
    me_score_options o;
    memset(&o, 0, sizeof o);
    o.model = str_or(c, "model", NULL);
    if (js_get(c, "collection") != NULL) o.collection = name; /* the suffixed name */
    me_scores *scores = me_score(client, &query, documents, n, &o, err);
    if (scores == NULL) return err->code;
    fprintf(out, ",\"scores\":[");
    for (size_t i = 0; i < scores->count; i++) {
        fprintf(out, "%s\"", i ? "," : "");
        put_float_hex(out, &scores->scores[i], 1);
        fputc('"', out);
    }
    fputc(']', out);
    me_scores_free(scores);
    return ME_OK;
}

static int run_get(me_client *client, const js_value *c, const char *name, FILE *out, owned_list *owned,
                   me_error *err)
{
    size_t n;
    const char **ids = string_list(js_get(c, "ids"), &n, owned);
    me_documents *docs = me_get(client, name, ids, n, bool_or(c, "include_vectors", 0), NULL, err);
    if (docs == NULL) return err->code;
    fprintf(out, ",\"documents\":[");
    for (size_t i = 0; i < docs->count; i++) {
        me_stored_document *d = &docs->documents[i];
        fprintf(out, "%s{\"id\":", i ? "," : "");
        put_string(out, d->id);
        fprintf(out, ",\"metadata\":");
        put_metadata(out, d->metadata, d->n_metadata);
        fprintf(out, ",\"vectors\":");
        if (d->vectors == NULL) {
            fprintf(out, "null");
        } else {
            fprintf(out, "{\"count\":%u,\"dimension\":%u,\"hex\":", d->count, d->dimension);
            put_vectors(out, 0, d->vectors, d->count, d->dimension);
            fputc('}', out);
        }
        fprintf(out, ",\"pooled\":");
        if (d->pooled == NULL) {
            fprintf(out, "null");
        } else {
            fprintf(out, "{\"dimension\":%u,\"hex\":", d->pooled_dimension);
            put_vectors(out, 0, d->pooled, 1, d->pooled_dimension);
            fputc('}', out);
        }
        fprintf(out, ",\"page_text\":");
        put_page_text(out, d->page_text);
        fputc('}', out);
    }
    fputc(']', out);
    me_documents_free(docs);
    return ME_OK;
}

static int run_delete(me_client *client, const js_value *c, const char *name, FILE *out, owned_list *owned,
                      me_error *err)
{
    size_t n;
    const char **ids = string_list(js_get(c, "ids"), &n, owned);
    uint32_t deleted = 0;
    if (me_delete(client, name, ids, n, NULL, &deleted, err) != ME_OK) return err->code;
    fprintf(out, ",\"deleted\":%u", deleted);
    return ME_OK;
}

/* Runs one late-interaction case. The body is written to a scratch buffer first, since a
 * failed call's result is its status alone. */
static void run_op(me_client *client, const js_value *c, FILE *out)
{
    const char *op = str_or(c, "op", "");
    owned_list owned = {0};
    const char *name = collection_name(c, &owned);
    char *body = NULL;
    size_t body_len = 0;
    FILE *scratch = open_memstream(&body, &body_len);
    if (scratch == NULL) die("open_memstream failed", NULL);
    me_error err;
    memset(&err, 0, sizeof err);
    int rc;
    if (strcmp(op, "upsert") == 0) rc = run_upsert(client, c, name, scratch, &owned, &err);
    else if (strcmp(op, "search") == 0) rc = run_search(client, c, name, scratch, &owned, &err);
    else if (strcmp(op, "score") == 0) rc = run_score(client, c, name, scratch, &owned, &err);
    else if (strcmp(op, "get") == 0) rc = run_get(client, c, name, scratch, &owned, &err);
    else if (strcmp(op, "delete") == 0) rc = run_delete(client, c, name, scratch, &owned, &err);
    else rc = run_collection_op(client, c, op, name, scratch, &err);
    fclose(scratch);
    fprintf(out, "{\"name\":");
    put_string(out, str_or(c, "name", "?"));
    fprintf(out, ",\"status\":%d%s}", rc, rc == ME_OK ? body : "");
    free(body);
    free_owned(&owned);
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
        if (js_get(c, "op") != NULL) {
            run_op(client, c, out);
        } else if (key != NULL && key->type == JS_STRING) { /* a handle of its own, with that key ("" = none) */
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
