/*
 * request.c - builds the EmbedRequest of one me_embed call from the public inputs and options,
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

static int check_string(const char *s, const char *what, me_error *err)
{
    if (s != NULL && !me__valid_utf8(s))
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is not valid UTF-8", what);
    return ME_OK;
}

/* Copies `count` floats into little-endian bytes, the wire order of Patches.data. */
static uint8_t *floats_le(const float *values, size_t count)
{
    uint8_t *out = malloc(count > 0 ? count * 4 : 1);
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

static int build_input(me__embed_request *req, size_t i, const me_input *in, me_error *err)
{
    Multiembed__V1__Input *pb = &req->inputs[i];
    multiembed__v1__input__init(pb);
    req->input_ptrs[i] = pb;
    switch (in->kind) {
    case ME_INPUT_TEXT:
        if (in->text == NULL)
            return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: text is NULL", i);
        if (!me__valid_utf8(in->text))
            return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: text is not valid UTF-8", i);
        pb->kind_case = MULTIEMBED__V1__INPUT__KIND_TEXT;
        pb->text = (char *)in->text; /* borrowed; protobuf-c only reads it when packing */
        return ME_OK;
    case ME_INPUT_IMAGE: {
        if (in->image == NULL && in->image_len > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: image is NULL", i);
        if (check_string(in->image_name, "image name", err) != ME_OK)
            return ME_INVALID_ARGUMENT;
        Multiembed__V1__ImageBytes *img = &req->images[i];
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
            return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: patch grid too large", i);
        size_t values = (size_t)(count * per_patch);
        if (in->patches == NULL && values > 0)
            return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: patches is NULL", i);
        uint8_t *bytes = floats_le(in->patches, values);
        if (bytes == NULL)
            return me__fail(err, ME_RESOURCE_EXHAUSTED, "input %zu: out of memory", i);
        req->patch_bytes[i] = bytes;
        Multiembed__V1__Patches *pt = &req->patches[i];
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
    default:
        return me__fail(err, ME_INVALID_ARGUMENT, "input %zu: unknown kind %d", i, (int)in->kind);
    }
}

static int build_options(Multiembed__V1__EmbedRequest *e, const me_embed_options *o,
                         me_error *err)
{
    if (o->prompt_name != NULL && o->instruction != NULL)
        return me__fail(err, ME_INVALID_ARGUMENT, "give prompt_name or instruction, not both");
    if (check_string(o->model, "model", err) != ME_OK ||
        check_string(o->prompt_name, "prompt_name", err) != ME_OK ||
        check_string(o->instruction, "instruction", err) != ME_OK)
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
    if (inputs == NULL || n == 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "no inputs to embed");
    static const me_embed_options defaults = {0};
    int rc = build_options(&req->embed, opts != NULL ? opts : &defaults, err);
    if (rc != ME_OK)
        return rc;
    req->inputs = calloc(n, sizeof *req->inputs);
    req->input_ptrs = calloc(n, sizeof *req->input_ptrs);
    req->images = calloc(n, sizeof *req->images);
    req->patches = calloc(n, sizeof *req->patches);
    req->patch_bytes = calloc(n, sizeof *req->patch_bytes);
    req->n = n;
    if (!req->inputs || !req->input_ptrs || !req->images || !req->patches || !req->patch_bytes)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu inputs", n);
    for (size_t i = 0; i < n; i++) {
        rc = build_input(req, i, &inputs[i], err);
        if (rc != ME_OK)
            return rc;
    }
    req->embed.n_inputs = n;
    req->embed.inputs = req->input_ptrs;
    return ME_OK;
}

void me__embed_request_free(me__embed_request *req)
{
    if (req->patch_bytes != NULL)
        for (size_t i = 0; i < req->n; i++)
            free(req->patch_bytes[i]);
    free(req->patch_bytes);
    free(req->patches);
    free(req->images);
    free(req->input_ptrs);
    free(req->inputs);
    memset(req, 0, sizeof *req);
}
