/*
 * request.c - builds protobuf inputs from the public me_input (for Embed, and for the
 * late-interaction requests of late_interaction.c), in an arena freed at once, and the
 * EmbedRequest of one me_embed call from the public inputs and options,
 * refusing locally what the server would refuse in a worse way (invalid UTF-8 closes the whole
 * connection; a prompt name and an instruction at once cannot be expressed).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether s is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF), as protobuf
 * requires of a string field. */
bool me__valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int extra;
        unsigned min;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3, min = 0x10000;
        } else {
            return false;
        }
        unsigned cp = c & (0x3f >> extra);
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false; /* also stops at the terminating NUL */
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += extra + 1;
    }
    return true;
}

int me__check_utf8(const char *s, const char *what, me_error *err)
{
    if (s != NULL && !me__valid_utf8(s))
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is not valid UTF-8", what);
    return ME_OK;
}

void me__arena_init(me__arena *arena)
{
    memset(arena, 0, sizeof *arena);
}

void *me__arena_alloc(me__arena *arena, size_t size)
{
    if (arena->n == arena->cap) {
        size_t cap = arena->cap ? 2 * arena->cap : 16;
        void **blocks = realloc(arena->blocks, cap * sizeof *blocks);
        if (blocks == NULL)
            return NULL;
        arena->blocks = blocks;
        arena->cap = cap;
    }
    void *block = calloc(1, size > 0 ? size : 1);
    if (block != NULL)
        arena->blocks[arena->n++] = block;
    return block;
}

void me__arena_free(me__arena *arena)
{
    for (size_t i = 0; i < arena->n; i++)
        free(arena->blocks[i]);
    free(arena->blocks);
    memset(arena, 0, sizeof *arena);
}

uint8_t *me__floats_le(me__arena *arena, const float *values, size_t count)
{
    if (count > SIZE_MAX / 4)
        return NULL;
    uint8_t *out = me__arena_alloc(arena, count * 4);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        out[4 * i] = (uint8_t)bits;
        out[4 * i + 1] = (uint8_t)(bits >> 8);
        out[4 * i + 2] = (uint8_t)(bits >> 16);
        out[4 * i + 3] = (uint8_t)(bits >> 24);
    }
    return out;
}

int me__input_fill(Multiembed__V1__Input *pb, const me_input *in, const char *what, size_t i,
                   me__arena *arena, me_error *err)
{
    multiembed__v1__input__init(pb);
    switch (in->kind) {
    case ME_INPUT_TEXT:
        if (in->text == NULL)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: text is NULL", what, i);
        if (!me__valid_utf8(in->text))
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: text is not valid UTF-8", what, i);
        pb->kind_case = MULTIEMBED__V1__INPUT__KIND_TEXT;
        pb->text = (char *)in->text; /* borrowed; protobuf-c only reads it when packing */
        return ME_OK;
    case ME_INPUT_IMAGE: {
        if (in->image == NULL && in->image_len > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: image is NULL", what, i);
        if (in->image_name != NULL && !me__valid_utf8(in->image_name))
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: image name is not valid UTF-8",
                            what, i);
        Multiembed__V1__ImageBytes *img = me__arena_alloc(arena, sizeof *img);
        if (img == NULL)
            return me__fail(err, ME_RESOURCE_EXHAUSTED, "%s %zu: out of memory", what, i);
        multiembed__v1__image_bytes__init(img);
        img->data.data = (uint8_t *)in->image;
        img->data.len = in->image_len;
        if (in->image_name != NULL)
            img->name = (char *)in->image_name;
        pb->kind_case = MULTIEMBED__V1__INPUT__KIND_IMAGE;
        pb->image = img;
        return ME_OK;
    }
    case ME_INPUT_PATCHES: {
        uint64_t count = (uint64_t)in->rows * in->cols;
        uint64_t per_patch = (uint64_t)in->channels * in->patch_size * in->patch_size;
        /* Each factor is below 2^32; refuse products that overflow or exceed a frame. */
        if (per_patch != 0 && count > (UINT32_MAX / 4) / per_patch)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: patch grid too large", what, i);
        size_t values = (size_t)(count * per_patch);
        if (in->patches == NULL && values > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: patches is NULL", what, i);
        Multiembed__V1__Patches *pt = me__arena_alloc(arena, sizeof *pt);
        uint8_t *bytes = me__floats_le(arena, in->patches, values);
        if (pt == NULL || bytes == NULL)
            return me__fail(err, ME_RESOURCE_EXHAUSTED, "%s %zu: out of memory", what, i);
        multiembed__v1__patches__init(pt);
        pt->rows = in->rows;
        pt->cols = in->cols;
        pt->patch_size = in->patch_size;
        pt->channels = in->channels;
        pt->data.data = bytes;
        pt->data.len = values * 4;
        pb->kind_case = MULTIEMBED__V1__INPUT__KIND_PATCHES;
        pb->patches = pt;
        return ME_OK;
    }
    case ME_INPUT_PAGE: {
        if (in->page == NULL && in->page_len > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: page is NULL", what, i);
        if ((unsigned)in->page_format > ME_PAGE_PDF)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: unknown page format %d", what, i,
                            (int)in->page_format);
        if (in->page_name != NULL && !me__valid_utf8(in->page_name))
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: page name is not valid UTF-8",
                            what, i);
        if (in->languages == NULL && in->n_languages > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: languages is NULL", what, i);
        for (size_t k = 0; k < in->n_languages; k++)
            if (in->languages[k] == NULL || !me__valid_utf8(in->languages[k]))
                return me__fail(err, ME_INVALID_ARGUMENT,
                                "%s %zu: language %zu is NULL or not valid UTF-8", what, i, k);
        Multiembed__V1__Page *page = me__arena_alloc(arena, sizeof *page);
        if (page == NULL)
            return me__fail(err, ME_RESOURCE_EXHAUSTED, "%s %zu: out of memory", what, i);
        multiembed__v1__page__init(page);
        /* Bytes and strings are borrowed; protobuf-c only reads them when packing. */
        if (in->page_format == ME_PAGE_PDF) {
            page->source_case = MULTIEMBED__V1__PAGE__SOURCE_PDF;
            page->pdf.data = (uint8_t *)in->page;
            page->pdf.len = in->page_len;
        } else {
            page->source_case = MULTIEMBED__V1__PAGE__SOURCE_IMAGE;
            page->image.data = (uint8_t *)in->page;
            page->image.len = in->page_len;
        }
        page->page_number = in->page_number;
        page->n_languages = in->n_languages;
        page->languages = (char **)in->languages;
        if (in->page_name != NULL)
            page->name = (char *)in->page_name;
        pb->kind_case = MULTIEMBED__V1__INPUT__KIND_PAGE;
        pb->page = page;
        return ME_OK;
    }
    default:
        return me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: unknown kind %d", what, i,
                        (int)in->kind);
    }
}

static int build_options(Multiembed__V1__EmbedRequest *e, const me_embed_options *o,
                         me_error *err)
{
    if (o->prompt_name != NULL && o->instruction != NULL)
        return me__fail(err, ME_INVALID_ARGUMENT, "give prompt_name or instruction, not both");
    if (me__check_utf8(o->model, "model", err) != ME_OK ||
        me__check_utf8(o->prompt_name, "prompt_name", err) != ME_OK ||
        me__check_utf8(o->instruction, "instruction", err) != ME_OK)
        return ME_INVALID_ARGUMENT;
    if ((unsigned)o->output > ME_OUTPUT_BOTH || (unsigned)o->encoding > ME_ENCODING_BINARY ||
        (unsigned)o->normalize > ME_NORMALIZE_OFF || (unsigned)o->truncate > ME_TRUNCATE_ERROR)
        return me__fail(err, ME_INVALID_ARGUMENT, "an option holds an unknown enum value");
    if (o->model != NULL)
        e->model = (char *)o->model;
    if (o->prompt_name != NULL) {
        e->prompt_case = MULTIEMBED__V1__EMBED_REQUEST__PROMPT_PROMPT_NAME;
        e->prompt_name = (char *)o->prompt_name;
    } else if (o->instruction != NULL) {
        e->prompt_case = MULTIEMBED__V1__EMBED_REQUEST__PROMPT_INSTRUCTION;
        e->instruction = (char *)o->instruction;
    }
    e->output = (Multiembed__V1__Output)o->output;
    e->dimensions = o->dimensions;
    e->normalize = (Multiembed__V1__Normalize)o->normalize;
    e->encoding = (Multiembed__V1__Encoding)o->encoding;
    e->truncate = (Multiembed__V1__Truncate)o->truncate;
    e->all_or_nothing = o->all_or_nothing;
    return ME_OK;
}

int me__embed_request_build(me__embed_request *req, const me_input *inputs, size_t n,
                            const me_embed_options *opts, me_error *err)
{
    memset(req, 0, sizeof *req);
    multiembed__v1__embed_request__init(&req->embed);
    me__arena_init(&req->arena);
    if (inputs == NULL || n == 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "no inputs to embed");
    static const me_embed_options defaults = {0};
    int rc = build_options(&req->embed, opts != NULL ? opts : &defaults, err);
    if (rc != ME_OK)
        return rc;
    Multiembed__V1__Input *pbs =
        n <= SIZE_MAX / sizeof *pbs ? me__arena_alloc(&req->arena, n * sizeof *pbs) : NULL;
    Multiembed__V1__Input **ptrs = pbs ? me__arena_alloc(&req->arena, n * sizeof *ptrs) : NULL;
    if (ptrs == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu inputs", n);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = &pbs[i];
        rc = me__input_fill(&pbs[i], &inputs[i], "input", i, &req->arena, err);
        if (rc != ME_OK)
            return rc;
    }
    req->embed.n_inputs = n;
    req->embed.inputs = ptrs;
    return ME_OK;
}

void me__embed_request_free(me__embed_request *req)
{
    me__arena_free(&req->arena);
}
