/*
 * result.c - turns decoded Responses into the caller-owned me_result and me_server_info, and
 * frees them.
 *
 * Everything the server says is checked against what it sent before it is used as a size: a
 * vector's dimension against its data's length, an index against the number of inputs, INT8
 * scales against the row count. A response that does not add up is ME_INTERNAL. Allocations are
 * therefore bounded by a small multiple of the frame's size (32x at most, for binary).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Decodes one pooled Vector into e->pooled. */
static int decode_pooled(me_embedding *e, const Multiembed__V1__Vector *v, int encoding,
                         me_error *err)
{
    uint64_t bytes = 0;
    if (me__encoded_bytes(encoding, v->dimension, &bytes) != ME_OK)
        return me__fail(err, ME_INTERNAL, "unknown encoding %d", encoding);
    if (bytes != v->data.len)
        return me__fail(err, ME_INTERNAL,
                        "input %u: pooled vector of dimension %u has %zu bytes, expected %llu",
                        e->index, v->dimension, v->data.len, (unsigned long long)bytes);
    /* dimension <= 8 x data.len here, so dimension floats fit in memory as data did. */
    e->pooled = malloc(v->dimension ? v->dimension * sizeof(float) : 1);
    if (e->pooled == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for a pooled vector");
    e->dimension = v->dimension;
    me__decode_vector(encoding, v->data.data, v->dimension, v->scale, e->pooled);
    return ME_OK;
}

/* Decodes one MultiVector into e->multi_vector (count x dimension, row-major). */
static int decode_multi(me_embedding *e, const Multiembed__V1__MultiVector *mv, int encoding,
                        me_error *err)
{
    uint64_t row = 0;
    if (me__encoded_bytes(encoding, mv->dimension, &row) != ME_OK)
        return me__fail(err, ME_INTERNAL, "unknown encoding %d", encoding);
    /* count * row must equal the data's length; compared by division to avoid overflow. */
    bool fits = row == 0 ? mv->data.len == 0
                         : (mv->data.len % row == 0 && mv->data.len / row == mv->count);
    if (!fits)
        return me__fail(err, ME_INTERNAL,
                        "input %u: multi-vector of %u x %u has %zu bytes, expected %llu per row",
                        e->index, mv->count, mv->dimension, mv->data.len,
                        (unsigned long long)row);
    if (encoding == ME_ENCODING_INT8 && mv->n_scales != mv->count)
        return me__fail(err, ME_INTERNAL, "input %u: %zu int8 scales for %u rows", e->index,
                        mv->n_scales, mv->count);
    uint64_t values = (uint64_t)mv->count * mv->dimension; /* <= 8 x data.len when row > 0 */
    if (row == 0)
        values = 0;
    if (values > SIZE_MAX / sizeof(float))
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "multi-vector too large");
    e->multi_vector = malloc(values ? (size_t)values * sizeof(float) : 1);
    if (e->multi_vector == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for a multi-vector");
    e->count = mv->count;
    e->token_dimension = mv->dimension;
    if (row == 0)
        return ME_OK;
    for (uint32_t r = 0; r < mv->count; r++) {
        float scale = encoding == ME_ENCODING_INT8 ? mv->scales[r] : 0.0f;
        me__decode_vector(encoding, mv->data.data + (size_t)(r * row), mv->dimension, scale,
                          e->multi_vector + (size_t)r * mv->dimension);
    }
    return ME_OK;
}

bool me__page_word_copy(me_page_word *out, const Multiembed__V1__PageWord *pb)
{
    memset(out, 0, sizeof *out);
    if (pb == NULL)
        return (out->text = me__strdup("")) != NULL;
    out->text = me__strdup(pb->text != NULL ? pb->text : "");
    if (out->text == NULL)
        return false;
    out->x = pb->x;
    out->y = pb->y;
    out->width = pb->width;
    out->height = pb->height;
    out->confidence = pb->confidence;
    out->block = pb->block;
    out->line = pb->line;
    return true;
}

me_page_text *me__page_text_copy(const Multiembed__V1__PageText *pb)
{
    me_page_text *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->width = pb->width;
    t->height = pb->height;
    t->dpi = pb->dpi;
    t->text = me__strdup(pb->text != NULL ? pb->text : "");
    t->source = me__strdup(pb->source != NULL ? pb->source : "");
    t->note = me__strdup(pb->note != NULL ? pb->note : "");
    bool ok = t->text != NULL && t->source != NULL && t->note != NULL;
    /* n_words came from the frame (each word takes bytes), so the array is bounded by it. */
    if (ok && pb->n_words > 0) {
        t->words = calloc(pb->n_words, sizeof *t->words);
        ok = t->words != NULL;
        for (size_t k = 0; ok && k < pb->n_words; k++) {
            ok = me__page_word_copy(&t->words[k], pb->words[k]);
            if (ok)
                t->n_words = k + 1;
        }
    }
    if (!ok) {
        me__page_text_free(t);
        return NULL;
    }
    return t;
}

void me__page_text_free(me_page_text *text)
{
    if (text == NULL)
        return;
    for (size_t k = 0; text->words != NULL && k < text->n_words; k++)
        free(text->words[k].text);
    free(text->words);
    free(text->text);
    free(text->source);
    free(text->note);
    free(text);
}

static int apply_input_errors(me_result *res, const Multiembed__V1__Status *status,
                              me_error *err)
{
    if (status == NULL)
        return ME_OK;
    for (size_t k = 0; k < status->n_input_errors; k++) {
        const Multiembed__V1__InputError *ie = status->input_errors[k];
        if (ie->index >= res->count)
            return me__fail(err, ME_INTERNAL, "input error for input %u of %zu", ie->index,
                            res->count);
        me_embedding *e = &res->embeddings[ie->index];
        if (e->error_code != ME_OK)
            continue; /* reported twice: keep the first */
        /* An InputError is never OK; a server that says so still means a failure. */
        e->error_code = ie->code != MULTIEMBED__V1__CODE__OK ? (int)ie->code : ME_UNKNOWN;
        e->error_message = me__strdup(ie->message != NULL ? ie->message : "");
        if (e->error_message == NULL)
            return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        free(e->pooled);
        free(e->multi_vector);
        me__page_text_free(e->page_text);
        e->page_text = NULL;
        e->pooled = e->multi_vector = NULL;
        e->dimension = e->count = e->token_dimension = 0;
        res->failed++;
    }
    return ME_OK;
}

me_result *me__result_from_embed(const Multiembed__V1__EmbedResponse *resp,
                                 const Multiembed__V1__Status *status, size_t n_inputs,
                                 int encoding, me_error *err)
{
    if (resp->n_embeddings != n_inputs) {
        me__fail(err, ME_INTERNAL, "response has %zu embeddings for %zu inputs",
                 resp->n_embeddings, n_inputs);
        return NULL;
    }
    me_result *res = calloc(1, sizeof *res);
    if (res == NULL || (res->embeddings = calloc(n_inputs, sizeof *res->embeddings)) == NULL ||
        (res->model = me__strdup(resp->model != NULL ? resp->model : "")) == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu embeddings", n_inputs);
        me_result_free(res);
        return NULL;
    }
    res->count = n_inputs;
    bool *seen = calloc(n_inputs, sizeof *seen);
    if (seen == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        me_result_free(res);
        return NULL;
    }
    int rc = ME_OK;
    for (size_t k = 0; k < resp->n_embeddings && rc == ME_OK; k++) {
        const Multiembed__V1__Embedding *pb = resp->embeddings[k];
        if (pb->index >= n_inputs || seen[pb->index]) {
            rc = me__fail(err, ME_INTERNAL, "embedding index %u is out of range or repeated",
                          pb->index);
            break;
        }
        seen[pb->index] = true;
        me_embedding *e = &res->embeddings[pb->index];
        e->index = pb->index;
        e->truncated = pb->truncated;
        if (pb->pooled != NULL)
            rc = decode_pooled(e, pb->pooled, encoding, err);
        if (rc == ME_OK && pb->multi_vector != NULL)
            rc = decode_multi(e, pb->multi_vector, encoding, err);
        if (rc == ME_OK && pb->page_text != NULL &&
            (e->page_text = me__page_text_copy(pb->page_text)) == NULL)
            rc = me__fail(err, ME_RESOURCE_EXHAUSTED, "input %u: out of memory for its page text",
                          pb->index);
    }
    free(seen);
    if (rc == ME_OK)
        rc = apply_input_errors(res, status, err);
    if (rc != ME_OK) {
        me_result_free(res);
        return NULL;
    }
    if (resp->usage != NULL) {
        res->usage.tokens = resp->usage->tokens;
        res->usage.pixels = resp->usage->pixels;
        res->usage.patches = resp->usage->patches;
        res->usage.queue_time_us = resp->usage->queue_time_us;
        res->usage.inference_time_us = resp->usage->inference_time_us;
    }
    me__ok(err);
    return res;
}

void me_result_free(me_result *result)
{
    if (result == NULL)
        return;
    if (result->embeddings != NULL)
        for (size_t i = 0; i < result->count; i++) {
            free(result->embeddings[i].pooled);
            free(result->embeddings[i].multi_vector);
            free(result->embeddings[i].error_message);
            me__page_text_free(result->embeddings[i].page_text);
        }
    free(result->embeddings);
    free(result->model);
    free(result);
}

/* Copies n elements of `size` bytes (NULL for n == 0); false on allocation failure. */
static bool copy_array(void **dst, const void *src, size_t n, size_t size)
{
    *dst = NULL;
    if (n == 0)
        return true;
    *dst = malloc(n * size);
    if (*dst == NULL)
        return false;
    memcpy(*dst, src, n * size);
    return true;
}

static bool copy_model(me_model_info *m, const Multiembed__V1__ModelInfo *pb)
{
    m->name = me__strdup(pb->name);
    m->architecture = me__strdup(pb->architecture);
    m->default_prompt_name = me__strdup(pb->default_prompt_name);
    if (!m->name || !m->architecture || !m->default_prompt_name)
        return false;
    m->dimension = pb->dimension;
    m->token_dimension = pb->token_dimension;
    m->max_input_tokens = pb->max_input_tokens;
    m->patch_size = pb->patch_size;
    m->image_size = pb->image_size;
    m->normalizes = pb->normalizes;
    m->compute_precision = (me_compute_precision)pb->compute_precision;
    if (!copy_array((void **)&m->allowed_dimensions, pb->allowed_dimensions,
                    pb->n_allowed_dimensions, sizeof(uint32_t)))
        return false;
    m->n_allowed_dimensions = pb->n_allowed_dimensions;
    /* Mean and std come in pairs; keep only the channels both describe. */
    size_t channels = pb->n_image_mean < pb->n_image_std ? pb->n_image_mean : pb->n_image_std;
    if (!copy_array((void **)&m->image_mean, pb->image_mean, channels, sizeof(float)) ||
        !copy_array((void **)&m->image_std, pb->image_std, channels, sizeof(float)))
        return false;
    m->n_channels = channels;
    if (pb->n_input_kinds > 0) {
        m->input_kinds = malloc(pb->n_input_kinds * sizeof *m->input_kinds);
        if (m->input_kinds == NULL)
            return false;
        for (size_t i = 0; i < pb->n_input_kinds; i++)
            m->input_kinds[i] = (int)pb->input_kinds[i];
        m->n_input_kinds = pb->n_input_kinds;
    }
    if (pb->n_prompts > 0) {
        m->prompts = calloc(pb->n_prompts, sizeof *m->prompts);
        if (m->prompts == NULL)
            return false;
        m->n_prompts = pb->n_prompts;
        for (size_t i = 0; i < pb->n_prompts; i++) {
            m->prompts[i].name = me__strdup(pb->prompts[i]->key ? pb->prompts[i]->key : "");
            m->prompts[i].text = me__strdup(pb->prompts[i]->value ? pb->prompts[i]->value : "");
            if (!m->prompts[i].name || !m->prompts[i].text)
                return false;
        }
    }
    return true;
}

me_server_info *me__info_from_response(const Multiembed__V1__InfoResponse *resp, me_error *err)
{
    me_server_info *info = calloc(1, sizeof *info);
    bool ok = info != NULL && (info->version = me__strdup(resp->version)) != NULL;
    if (ok && resp->n_models > 0) {
        info->models = calloc(resp->n_models, sizeof *info->models);
        ok = info->models != NULL;
        if (ok)
            info->n_models = resp->n_models;
        for (size_t i = 0; ok && i < resp->n_models; i++)
            ok = copy_model(&info->models[i], resp->models[i]);
    }
    if (!ok) {
        me_info_free(info);
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for the server's info");
        return NULL;
    }
    const Multiembed__V1__Limits *l = resp->limits;
    if (l != NULL) {
        info->limits.max_frame_bytes = l->max_frame_bytes;
        info->limits.max_inputs_per_request = l->max_inputs_per_request;
        info->limits.max_batch_tokens = l->max_batch_tokens;
        info->limits.max_text_bytes = l->max_text_bytes;
        info->limits.max_image_bytes = l->max_image_bytes;
        info->limits.max_image_pixels = l->max_image_pixels;
        info->limits.max_patches = l->max_patches;
        info->limits.max_connections = l->max_connections;
        info->limits.max_vectors_per_document = l->max_vectors_per_document;
        info->limits.max_top_k = l->max_top_k;
        info->limits.max_response_bytes = l->max_response_bytes;
        info->limits.max_connections_per_address = l->max_connections_per_address;
        info->limits.max_answer_bytes_per_connection = l->max_answer_bytes_per_connection;
        info->limits.idle_timeout_ms = l->idle_timeout_ms;
        info->limits.max_failed_authentications = l->max_failed_authentications;
        info->limits.max_in_flight_per_connection = l->max_in_flight_per_connection;
        info->limits.frame_timeout_ms = l->frame_timeout_ms;
    }
    me__ok(err);
    return info;
}

void me_info_free(me_server_info *info)
{
    if (info == NULL)
        return;
    for (size_t i = 0; info->models != NULL && i < info->n_models; i++) {
        me_model_info *m = &info->models[i];
        free(m->name);
        free(m->architecture);
        free(m->default_prompt_name);
        free(m->allowed_dimensions);
        free(m->input_kinds);
        free(m->image_mean);
        free(m->image_std);
        for (size_t k = 0; m->prompts != NULL && k < m->n_prompts; k++) {
            free(m->prompts[k].name);
            free(m->prompts[k].text);
        }
        free(m->prompts);
    }
    free(info->models);
    free(info->version);
    free(info);
}
