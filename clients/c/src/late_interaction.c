/*
 * late_interaction.c - collections, upsert, delete, get, search and score
 * (Protos/multiembed/v1/collections.proto): each public function checks its arguments, builds
 * its request in an arena (borrowing the caller's strings, copying vectors into little-endian
 * bytes), sends it with me__call, and copies the answer into caller-owned results.
 *
 * As in result.c, nothing the server says is used as a size before it is checked against the
 * bytes it sent: a stored document's vectors must have exactly count x dimension floats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_TOP_K 10u

/* ---- sources and requests ---- */

me_source me_source_text(const char *text)
{
    return me_source_input(me_text(text));
}

me_source me_source_input(me_input input)
{
    me_source s;
    memset(&s, 0, sizeof s);
    s.kind = ME_SOURCE_INPUT;
    s.input = input;
    return s;
}

me_source me_source_vectors(const float *vectors, uint32_t count, uint32_t dimension)
{
    me_source s;
    memset(&s, 0, sizeof s);
    s.kind = ME_SOURCE_VECTORS;
    s.vectors = vectors;
    s.count = count;
    s.dimension = dimension;
    return s;
}

me_source me_source_stored(const char *id)
{
    me_source s;
    memset(&s, 0, sizeof s);
    s.kind = ME_SOURCE_STORED;
    s.id = id;
    return s;
}

/* A MultiVectorSource in the arena from a public source; `what` and `i` name it in errors. */
static Multiembed__V1__MultiVectorSource *build_source(const me_source *src, const char *what,
                                                       size_t i, me__arena *arena,
                                                       me_error *err)
{
    Multiembed__V1__MultiVectorSource *pb = me__arena_alloc(arena, sizeof *pb);
    if (pb == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    multiembed__v1__multi_vector_source__init(pb);
    if (src == NULL) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu is NULL", what, i);
        return NULL;
    }
    if (src->kind == ME_SOURCE_INPUT) {
        Multiembed__V1__Input *input = me__arena_alloc(arena, sizeof *input);
        if (input == NULL) {
            me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
            return NULL;
        }
        if (me__input_fill(input, &src->input, what, i, arena, err) != ME_OK)
            return NULL;
        pb->kind_case = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT;
        pb->input = input;
        return pb;
    }
    if (src->kind == ME_SOURCE_STORED) {
        /* Only the pointer and UTF-8 (a frame's strings must be) are checked here: the server
         * knows what the collection holds. */
        if (src->id == NULL) {
            me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: the stored id is NULL", what, i);
            return NULL;
        }
        if (!me__valid_utf8(src->id)) {
            me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: the stored id is not valid UTF-8", what, i);
            return NULL;
        }
        pb->kind_case = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_DOCUMENT_ID;
        pb->document_id = (char *)src->id;
        return pb;
    }
    if (src->kind == ME_SOURCE_NONE) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu has no input, vectors or id (ME_SOURCE_NONE)",
                 what, i);
        return NULL;
    }
    if (src->kind != ME_SOURCE_VECTORS) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: unknown source kind %d", what, i,
                 (int)src->kind);
        return NULL;
    }
    if (src->count == 0 || src->dimension == 0) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: %u x %u vectors (both must be at least 1)",
                 what, i, src->count, src->dimension);
        return NULL;
    }
    if (src->vectors == NULL) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: vectors is NULL", what, i);
        return NULL;
    }
    uint64_t values = (uint64_t)src->count * src->dimension;
    if (values > UINT32_MAX / 4) {
        me__fail(err, ME_INVALID_ARGUMENT, "%s %zu: %u x %u vectors do not fit a frame", what, i,
                 src->count, src->dimension);
        return NULL;
    }
    Multiembed__V1__MultiVector *mv = me__arena_alloc(arena, sizeof *mv);
    uint8_t *bytes = me__floats_le(arena, src->vectors, (size_t)values);
    if (mv == NULL || bytes == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "%s %zu: out of memory", what, i);
        return NULL;
    }
    multiembed__v1__multi_vector__init(mv);
    mv->count = src->count;
    mv->dimension = src->dimension;
    mv->data.data = bytes;
    mv->data.len = (size_t)values * 4;
    pb->kind_case = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS;
    pb->vectors = mv;
    return pb;
}

/* Checks an optional pooled vector: NULL and 0 (none), or a pointer and a dimension of at most
 * what a frame holds. The values are the server's to judge (NaN, length). protobuf-c packs
 * repeated floats from the caller's array as little-endian itself, so it is borrowed. */
static int check_pooled(const float *values, uint32_t dimension, const char *what,
                        me_error *err)
{
    if (values == NULL && dimension > 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is NULL but its dimension is %u", what,
                        dimension);
    if (values != NULL && dimension == 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is given with dimension 0", what);
    if (dimension > UINT32_MAX / 4)
        return me__fail(err, ME_INVALID_ARGUMENT, "%s of %u values does not fit a frame", what,
                        dimension);
    return ME_OK;
}

/* Checks a required string: not NULL, valid UTF-8. */
static int check_required(const char *s, const char *what, me_error *err)
{
    if (s == NULL)
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is NULL", what);
    return me__check_utf8(s, what, err);
}

/* Checks `n` ids (the array may be NULL only when n is 0). */
static int check_ids(const char *const *ids, size_t n, const char *what, me_error *err)
{
    if (ids == NULL && n > 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "%s is NULL", what);
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == NULL)
            return me__fail(err, ME_INVALID_ARGUMENT, "%s[%zu] is NULL", what, i);
        if (!me__valid_utf8(ids[i]))
            return me__fail(err, ME_INVALID_ARGUMENT, "%s[%zu] is not valid UTF-8", what, i);
    }
    return ME_OK;
}

/* The prompt pair of a request: at most one set, each valid UTF-8. */
static int check_prompt(const char *name, const char *instruction, const char *what,
                        me_error *err)
{
    if (name != NULL && instruction != NULL)
        return me__fail(err, ME_INVALID_ARGUMENT,
                        "give %sprompt_name or %sinstruction, not both", what, what);
    if (me__check_utf8(name, "prompt_name", err) != ME_OK ||
        me__check_utf8(instruction, "instruction", err) != ME_OK)
        return ME_INVALID_ARGUMENT;
    return ME_OK;
}

static int check_truncate(me_truncate truncate, me_error *err)
{
    if ((unsigned)truncate > ME_TRUNCATE_ERROR)
        return me__fail(err, ME_INVALID_ARGUMENT, "unknown truncate value %d", (int)truncate);
    return ME_OK;
}

/* A Request with the call options applied (body to be set by the caller). */
static Multiembed__V1__Request new_request(const me_call_options *call)
{
    Multiembed__V1__Request req = MULTIEMBED__V1__REQUEST__INIT;
    if (call != NULL) {
        req.deadline_ms = call->deadline_ms;
        if (call->api_key != NULL)
            req.api_key = (char *)call->api_key;
    }
    return req;
}

static uint32_t timeout_of(const me_call_options *call)
{
    return call != NULL ? call->timeout_ms : 0;
}

/* ---- results ---- */

static void copy_usage(me_usage *out, const Multiembed__V1__Usage *usage)
{
    memset(out, 0, sizeof *out);
    if (usage == NULL)
        return;
    out->tokens = usage->tokens;
    out->pixels = usage->pixels;
    out->patches = usage->patches;
    out->queue_time_us = usage->queue_time_us;
    out->inference_time_us = usage->inference_time_us;
}

static bool copy_collection(me_collection_info *out, const Multiembed__V1__CollectionInfo *pb)
{
    memset(out, 0, sizeof *out);
    if (pb == NULL)
        return false;
    out->name = me__strdup(pb->name);
    out->model = me__strdup(pb->model);
    out->dimension = pb->dimension;
    out->precision = (int)pb->precision;
    out->pool_factor = pb->pool_factor;
    out->max_vectors = pb->max_vectors;
    out->document_count = pb->document_count;
    out->kind = (int)pb->kind;
    return out->name != NULL && out->model != NULL;
}

static void free_collection_fields(me_collection_info *info)
{
    free(info->name);
    free(info->model);
}

/* An array of n metadata entries (NULL for none); false when out of memory. Keys and values
 * come in parallel through `entry`, which returns entry k's key and value. */
typedef void (*entry_fn)(const void *entries, size_t k, const char **key, const char **value);

static void document_entry(const void *entries, size_t k, const char **key, const char **value)
{
    const Multiembed__V1__Document__MetadataEntry *const *e = entries;
    *key = e[k]->key;
    *value = e[k]->value;
}

static void hit_entry(const void *entries, size_t k, const char **key, const char **value)
{
    const Multiembed__V1__SearchHit__MetadataEntry *const *e = entries;
    *key = e[k]->key;
    *value = e[k]->value;
}

static bool copy_metadata(me_metadata **out, size_t *n_out, const void *entries, size_t n,
                          entry_fn entry)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return true;
    me_metadata *m = calloc(n, sizeof *m);
    if (m == NULL)
        return false;
    *out = m;
    *n_out = n;
    for (size_t k = 0; k < n; k++) {
        const char *key, *value;
        entry(entries, k, &key, &value);
        m[k].key = me__strdup(key != NULL ? key : "");
        m[k].value = me__strdup(value != NULL ? value : "");
        if (m[k].key == NULL || m[k].value == NULL)
            return false;
    }
    return true;
}

static void free_metadata(me_metadata *m, size_t n)
{
    for (size_t k = 0; m != NULL && k < n; k++) {
        free((char *)m[k].key);
        free((char *)m[k].value);
    }
    free(m);
}

/* ---- collections ---- */

me_collection_info *me_create_collection(me_client *client, const char *name,
                                         const me_collection_options *opts, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    static const me_collection_options defaults = {0};
    const me_collection_options *o = opts != NULL ? opts : &defaults;
    if (check_required(name, "collection name", err) != ME_OK ||
        me__check_utf8(o->model, "model", err) != ME_OK)
        return NULL;
    if ((unsigned)o->precision > ME_PRECISION_BINARY) {
        me__fail(err, ME_INVALID_ARGUMENT, "unknown precision %d", (int)o->precision);
        return NULL;
    }
    if ((unsigned)o->kind > ME_COLLECTION_DENSE) {
        me__fail(err, ME_INVALID_ARGUMENT, "unknown collection kind %d", (int)o->kind);
        return NULL;
    }
    if (o->vectors_only && o->dimension == 0) {
        me__fail(err, ME_INVALID_ARGUMENT, "a vectors_only collection needs its dimension");
        return NULL;
    }
    Multiembed__V1__CreateCollectionRequest body = MULTIEMBED__V1__CREATE_COLLECTION_REQUEST__INIT;
    body.name = (char *)name;
    if (o->model != NULL)
        body.model = (char *)o->model;
    body.dimension = o->dimension;
    body.precision = (Multiembed__V1__Precision)o->precision;
    body.pool_factor = o->pool_factor;
    body.max_vectors = o->max_vectors;
    body.vectors_only = o->vectors_only;
    body.kind = (Multiembed__V1__CollectionKind)o->kind;
    Multiembed__V1__Request req = new_request(&o->call);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_CREATE_COLLECTION;
    req.create_collection = &body;
    Multiembed__V1__Response *resp = me__call(
        client, &req, MULTIEMBED__V1__RESPONSE__BODY_CREATE_COLLECTION, o->call.timeout_ms, err);
    if (resp == NULL)
        return NULL;
    me_collection_info *info = calloc(1, sizeof *info);
    if (info == NULL || !copy_collection(info, resp->create_collection->collection)) {
        if (info != NULL && resp->create_collection->collection == NULL)
            me__fail(err, ME_INTERNAL, "OK response without the collection");
        else
            me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        me_collection_info_free(info);
        info = NULL;
    } else {
        me__ok(err);
    }
    multiembed__v1__response__free_unpacked(resp, NULL);
    return info;
}

void me_collection_info_free(me_collection_info *info)
{
    if (info == NULL)
        return;
    free_collection_fields(info);
    free(info);
}

me_collection_list *me_list_collections(me_client *client, const me_call_options *opts,
                                        me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    Multiembed__V1__ListCollectionsRequest body = MULTIEMBED__V1__LIST_COLLECTIONS_REQUEST__INIT;
    Multiembed__V1__Request req = new_request(opts);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_LIST_COLLECTIONS;
    req.list_collections = &body;
    Multiembed__V1__Response *resp = me__call(
        client, &req, MULTIEMBED__V1__RESPONSE__BODY_LIST_COLLECTIONS, timeout_of(opts), err);
    if (resp == NULL)
        return NULL;
    const Multiembed__V1__ListCollectionsResponse *pb = resp->list_collections;
    me_collection_list *list = calloc(1, sizeof *list);
    bool ok = list != NULL;
    if (ok && pb->n_collections > 0) {
        list->collections = calloc(pb->n_collections, sizeof *list->collections);
        ok = list->collections != NULL;
        if (ok)
            list->count = pb->n_collections;
        for (size_t i = 0; ok && i < pb->n_collections; i++)
            ok = copy_collection(&list->collections[i], pb->collections[i]);
    }
    multiembed__v1__response__free_unpacked(resp, NULL);
    if (!ok) {
        me_collection_list_free(list);
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for the collection list");
        return NULL;
    }
    me__ok(err);
    return list;
}

void me_collection_list_free(me_collection_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; list->collections != NULL && i < list->count; i++)
        free_collection_fields(&list->collections[i]);
    free(list->collections);
    free(list);
}

int me_drop_collection(me_client *client, const char *name, const me_call_options *opts,
                       me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    if (check_required(name, "collection name", err) != ME_OK)
        return err->code;
    Multiembed__V1__DropCollectionRequest body = MULTIEMBED__V1__DROP_COLLECTION_REQUEST__INIT;
    body.name = (char *)name;
    Multiembed__V1__Request req = new_request(opts);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_DROP_COLLECTION;
    req.drop_collection = &body;
    Multiembed__V1__Response *resp = me__call(
        client, &req, MULTIEMBED__V1__RESPONSE__BODY_DROP_COLLECTION, timeout_of(opts), err);
    if (resp == NULL)
        return err->code;
    multiembed__v1__response__free_unpacked(resp, NULL);
    me__ok(err);
    return ME_OK;
}

/* ---- documents ---- */

/* One Document message in the arena from a public document. */
static Multiembed__V1__Document *build_document(const me_document *doc, size_t i,
                                                me__arena *arena, me_error *err)
{
    if (doc->id == NULL) {
        me__fail(err, ME_INVALID_ARGUMENT, "document %zu: id is NULL", i);
        return NULL;
    }
    if (!me__valid_utf8(doc->id)) {
        me__fail(err, ME_INVALID_ARGUMENT, "document %zu: id is not valid UTF-8", i);
        return NULL;
    }
    if (doc->metadata == NULL && doc->n_metadata > 0) {
        me__fail(err, ME_INVALID_ARGUMENT, "document %zu: metadata is NULL", i);
        return NULL;
    }
    Multiembed__V1__Document *pb = me__arena_alloc(arena, sizeof *pb);
    Multiembed__V1__Document__MetadataEntry *entries =
        doc->n_metadata <= SIZE_MAX / sizeof *entries
            ? me__arena_alloc(arena, doc->n_metadata * sizeof *entries) : NULL;
    Multiembed__V1__Document__MetadataEntry **ptrs =
        entries != NULL ? me__arena_alloc(arena, doc->n_metadata * sizeof *ptrs) : NULL;
    if (pb == NULL || ptrs == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "document %zu: out of memory", i);
        return NULL;
    }
    multiembed__v1__document__init(pb);
    pb->id = (char *)doc->id;
    for (size_t k = 0; k < doc->n_metadata; k++) {
        const me_metadata *m = &doc->metadata[k];
        if (m->key == NULL || m->value == NULL || !me__valid_utf8(m->key) ||
            !me__valid_utf8(m->value)) {
            me__fail(err, ME_INVALID_ARGUMENT,
                     "document %zu: metadata entry %zu is NULL or not valid UTF-8", i, k);
            return NULL;
        }
        multiembed__v1__document__metadata_entry__init(&entries[k]);
        entries[k].key = (char *)m->key;
        entries[k].value = (char *)m->value;
        ptrs[k] = &entries[k];
    }
    pb->n_metadata = doc->n_metadata;
    pb->metadata = ptrs;
    char what[48];
    snprintf(what, sizeof what, "document %zu: pooled", i);
    if (check_pooled(doc->pooled, doc->pooled_dimension, what, err) != ME_OK)
        return NULL;
    pb->n_pooled = doc->pooled_dimension;
    pb->pooled = (float *)doc->pooled;
    if (doc->content.kind == ME_SOURCE_NONE) {
        /* A dense collection's document given by its pooled vector alone: content unset. */
        if (doc->pooled == NULL) {
            me__fail(err, ME_INVALID_ARGUMENT,
                     "document %zu has neither content nor a pooled vector", i);
            return NULL;
        }
        return pb;
    }
    pb->content = build_source(&doc->content, "document", i, arena, err);
    return pb->content != NULL ? pb : NULL;
}

static int build_upsert(Multiembed__V1__UpsertRequest *body, const char *collection,
                        const me_document *documents, size_t n, const me_upsert_options *o,
                        me__arena *arena, me_error *err)
{
    if (check_required(collection, "collection", err) != ME_OK ||
        check_prompt(o->prompt_name, o->instruction, "", err) != ME_OK ||
        check_truncate(o->truncate, err) != ME_OK)
        return err->code;
    if (documents == NULL || n == 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "no documents to upsert");
    Multiembed__V1__Document **docs =
        n <= SIZE_MAX / sizeof *docs ? me__arena_alloc(arena, n * sizeof *docs) : NULL;
    if (docs == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu documents", n);
    for (size_t i = 0; i < n; i++) {
        docs[i] = build_document(&documents[i], i, arena, err);
        if (docs[i] == NULL)
            return err->code;
    }
    body->collection = (char *)collection;
    body->n_documents = n;
    body->documents = docs;
    body->truncate = (Multiembed__V1__Truncate)o->truncate;
    if (o->prompt_name != NULL) {
        body->prompt_case = MULTIEMBED__V1__UPSERT_REQUEST__PROMPT_PROMPT_NAME;
        body->prompt_name = (char *)o->prompt_name;
    } else if (o->instruction != NULL) {
        body->prompt_case = MULTIEMBED__V1__UPSERT_REQUEST__PROMPT_INSTRUCTION;
        body->instruction = (char *)o->instruction;
    }
    return ME_OK;
}

int me_upsert(me_client *client, const char *collection, const me_document *documents, size_t n,
              const me_upsert_options *opts, me_upsert_result *out, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    static const me_upsert_options defaults = {0};
    const me_upsert_options *o = opts != NULL ? opts : &defaults;
    me__arena arena;
    me__arena_init(&arena);
    Multiembed__V1__UpsertRequest body = MULTIEMBED__V1__UPSERT_REQUEST__INIT;
    if (build_upsert(&body, collection, documents, n, o, &arena, err) != ME_OK) {
        me__arena_free(&arena);
        return err->code;
    }
    Multiembed__V1__Request req = new_request(&o->call);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_UPSERT;
    req.upsert = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_UPSERT, o->call.timeout_ms, err);
    me__arena_free(&arena);
    if (resp == NULL)
        return err->code;
    if (out != NULL) {
        out->upserted = resp->upsert->upserted;
        copy_usage(&out->usage, resp->upsert->usage);
    }
    multiembed__v1__response__free_unpacked(resp, NULL);
    me__ok(err);
    return ME_OK;
}

int me_delete(me_client *client, const char *collection, const char *const *ids, size_t n,
              const me_call_options *opts, uint32_t *deleted, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    if (check_required(collection, "collection", err) != ME_OK ||
        check_ids(ids, n, "ids", err) != ME_OK)
        return err->code;
    Multiembed__V1__DeleteRequest body = MULTIEMBED__V1__DELETE_REQUEST__INIT;
    body.collection = (char *)collection;
    body.n_ids = n;
    body.ids = (char **)ids;
    Multiembed__V1__Request req = new_request(opts);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_DELETE;
    req.delete_ = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_DELETE, timeout_of(opts), err);
    if (resp == NULL)
        return err->code;
    if (deleted != NULL)
        *deleted = resp->delete_->deleted;
    multiembed__v1__response__free_unpacked(resp, NULL);
    me__ok(err);
    return ME_OK;
}

/* Copies a stored document's float32 vectors, checking their size against their shape. */
static int copy_vectors(me_stored_document *out, const Multiembed__V1__MultiVectorSource *src,
                        me_error *err)
{
    /* An empty source is no vectors, as an absent one (a dense collection's documents have
     * none); an input or an id is not what Get returns. */
    if (src->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND__NOT_SET)
        return ME_OK;
    if (src->kind_case != MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS)
        return me__fail(err, ME_INTERNAL, "document %s came back with a source that is not vectors",
                        out->id);
    const Multiembed__V1__MultiVector *mv = src->vectors;
    uint64_t row = (uint64_t)mv->dimension * 4;
    bool fits = row == 0 ? mv->data.len == 0
                         : (mv->data.len % row == 0 && mv->data.len / row == mv->count);
    if (!fits)
        return me__fail(err, ME_INTERNAL, "document %s: %u x %u vectors in %zu bytes", out->id,
                        mv->count, mv->dimension, mv->data.len);
    size_t values = mv->data.len / 4; /* == count x dimension, bounded by the frame */
    out->vectors = malloc(values > 0 ? values * sizeof(float) : 1);
    if (out->vectors == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for vectors");
    for (uint32_t r = 0; r < mv->count && row > 0; r++)
        me__decode_vector(ME_ENCODING_FLOAT32, mv->data.data + (size_t)r * row, mv->dimension,
                          0.0f, out->vectors + (size_t)r * mv->dimension);
    out->count = mv->count;
    out->dimension = mv->dimension;
    return ME_OK;
}

static me_documents *documents_from(const Multiembed__V1__GetResponse *pb, me_error *err)
{
    me_documents *docs = calloc(1, sizeof *docs);
    if (docs == NULL || (pb->n_documents > 0 &&
                         (docs->documents = calloc(pb->n_documents, sizeof *docs->documents)) ==
                             NULL)) {
        free(docs);
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu documents", pb->n_documents);
        return NULL;
    }
    docs->count = pb->n_documents;
    for (size_t i = 0; i < pb->n_documents; i++) {
        const Multiembed__V1__Document *d = pb->documents[i];
        me_stored_document *out = &docs->documents[i];
        out->id = me__strdup(d->id);
        if (out->id == NULL ||
            !copy_metadata(&out->metadata, &out->n_metadata, d->metadata, d->n_metadata,
                           document_entry)) {
            me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for document %zu", i);
            me_documents_free(docs);
            return NULL;
        }
        if (d->content != NULL && copy_vectors(out, d->content, err) != ME_OK) {
            me_documents_free(docs);
            return NULL;
        }
        if (d->n_pooled > 0) {
            /* protobuf-c decoded the packed floats: n_pooled of them, at most a quarter of the
             * frame's bytes (a uint32), so the count fits pooled_dimension. */
            if ((out->pooled = malloc(d->n_pooled * sizeof *out->pooled)) == NULL) {
                me__fail(err, ME_RESOURCE_EXHAUSTED,
                         "out of memory for document %zu's pooled vector", i);
                me_documents_free(docs);
                return NULL;
            }
            memcpy(out->pooled, d->pooled, d->n_pooled * sizeof *out->pooled);
            out->pooled_dimension = (uint32_t)d->n_pooled;
        }
        if (d->page_text != NULL && (out->page_text = me__page_text_copy(d->page_text)) == NULL) {
            me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for document %zu's page text", i);
            me_documents_free(docs);
            return NULL;
        }
    }
    me__ok(err);
    return docs;
}

me_documents *me_get(me_client *client, const char *collection, const char *const *ids,
                     size_t n, bool include_vectors, const me_call_options *opts, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    if (check_required(collection, "collection", err) != ME_OK ||
        check_ids(ids, n, "ids", err) != ME_OK)
        return NULL;
    Multiembed__V1__GetRequest body = MULTIEMBED__V1__GET_REQUEST__INIT;
    body.collection = (char *)collection;
    body.n_ids = n;
    body.ids = (char **)ids;
    body.include_vectors = include_vectors;
    Multiembed__V1__Request req = new_request(opts);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_GET;
    req.get = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_GET, timeout_of(opts), err);
    if (resp == NULL)
        return NULL;
    me_documents *docs = documents_from(resp->get, err);
    multiembed__v1__response__free_unpacked(resp, NULL);
    return docs;
}

void me_documents_free(me_documents *documents)
{
    if (documents == NULL)
        return;
    for (size_t i = 0; documents->documents != NULL && i < documents->count; i++) {
        me_stored_document *d = &documents->documents[i];
        free(d->id);
        free_metadata(d->metadata, d->n_metadata);
        free(d->vectors);
        free(d->pooled);
        me__page_text_free(d->page_text);
    }
    free(documents->documents);
    free(documents);
}

/* ---- search ---- */

/* SearchRequest.filter_metadata from n key/value pairs, checked (not NULL, UTF-8, each key once:
 * a map cannot say "k is a and k is b"). */
static int build_filter_metadata(Multiembed__V1__SearchRequest *body, const me_metadata *pairs,
                                 size_t n, me__arena *arena, me_error *err)
{
    if (n == 0)
        return ME_OK;
    if (pairs == NULL)
        return me__fail(err, ME_INVALID_ARGUMENT, "filter_metadata is NULL");
    Multiembed__V1__SearchRequest__FilterMetadataEntry *entries =
        n <= SIZE_MAX / sizeof *entries ? me__arena_alloc(arena, n * sizeof *entries) : NULL;
    Multiembed__V1__SearchRequest__FilterMetadataEntry **ptrs =
        entries != NULL ? me__arena_alloc(arena, n * sizeof *ptrs) : NULL;
    if (ptrs == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for filter_metadata");
    for (size_t k = 0; k < n; k++) {
        const me_metadata *m = &pairs[k];
        if (m->key == NULL || m->value == NULL || !me__valid_utf8(m->key) ||
            !me__valid_utf8(m->value))
            return me__fail(err, ME_INVALID_ARGUMENT,
                            "filter_metadata entry %zu is NULL or not valid UTF-8", k);
        for (size_t j = 0; j < k; j++)
            if (strcmp(pairs[j].key, m->key) == 0)
                return me__fail(err, ME_INVALID_ARGUMENT,
                                "filter_metadata entries %zu and %zu have the same key", j, k);
        multiembed__v1__search_request__filter_metadata_entry__init(&entries[k]);
        entries[k].key = (char *)m->key;
        entries[k].value = (char *)m->value;
        ptrs[k] = &entries[k];
    }
    body->n_filter_metadata = n;
    body->filter_metadata = ptrs;
    return ME_OK;
}

static int build_search(Multiembed__V1__SearchRequest *body, const char *collection,
                        const me_source *query, const me_search_options *o, me__arena *arena,
                        me_error *err)
{
    if (check_required(collection, "collection", err) != ME_OK ||
        check_ids(o->filter_ids, o->n_filter_ids, "filter_ids", err) != ME_OK ||
        check_prompt(o->prompt_name, o->instruction, "", err) != ME_OK ||
        check_truncate(o->truncate, err) != ME_OK)
        return err->code;
    if (o->top_k > INT32_MAX)
        return me__fail(err, ME_INVALID_ARGUMENT, "top_k %u is over INT32_MAX", o->top_k);
    if ((unsigned)o->mode > ME_SEARCH_HYBRID)
        return me__fail(err, ME_INVALID_ARGUMENT, "unknown search mode %d", (int)o->mode);
    if ((unsigned)o->metric > ME_METRIC_DOT)
        return me__fail(err, ME_INVALID_ARGUMENT, "unknown metric %d", (int)o->metric);
    if (check_pooled(o->query_pooled, o->query_pooled_dimension, "query_pooled", err) != ME_OK ||
        build_filter_metadata(body, o->filter_metadata, o->n_filter_metadata, arena, err) != ME_OK)
        return err->code;
    if (query == NULL || query->kind == ME_SOURCE_NONE) {
        /* No query: only a dense search given its pooled vector (the server judges the mode). */
        if (o->query_pooled == NULL)
            return me__fail(err, ME_INVALID_ARGUMENT,
                            "no query: give one, or query_pooled for a dense search");
    } else {
        body->query = build_source(query, "query", 0, arena, err);
        if (body->query == NULL)
            return err->code;
    }
    body->mode = (Multiembed__V1__SearchMode)o->mode;
    body->metric = (Multiembed__V1__Metric)o->metric;
    body->candidates = o->candidates;
    body->include_matches = o->include_matches;
    body->n_query_pooled = o->query_pooled_dimension;
    body->query_pooled = (float *)o->query_pooled;
    body->collection = (char *)collection;
    body->top_k = (int32_t)(o->top_k != 0 ? o->top_k : DEFAULT_TOP_K);
    body->n_filter_ids = o->n_filter_ids;
    body->filter_ids = (char **)o->filter_ids;
    body->truncate = (Multiembed__V1__Truncate)o->truncate;
    if (o->prompt_name != NULL) {
        body->prompt_case = MULTIEMBED__V1__SEARCH_REQUEST__PROMPT_PROMPT_NAME;
        body->prompt_name = (char *)o->prompt_name;
    } else if (o->instruction != NULL) {
        body->prompt_case = MULTIEMBED__V1__SEARCH_REQUEST__PROMPT_INSTRUCTION;
        body->instruction = (char *)o->instruction;
    }
    return ME_OK;
}

/* The matched words of one hit into out->matches; false when out of memory (what was copied
 * stays in *out, for me_search_result_free). */
static bool copy_matches(me_hit *out, const Multiembed__V1__SearchHit *h)
{
    if (h->n_matches == 0)
        return true;
    out->matches = calloc(h->n_matches, sizeof *out->matches);
    if (out->matches == NULL)
        return false;
    for (size_t k = 0; k < h->n_matches; k++) {
        const Multiembed__V1__MatchedWord *m = h->matches[k];
        me_matched_word *w = &out->matches[k];
        if (!me__page_word_copy(&w->word, m->word))
            return false;
        out->n_matches = k + 1;
        w->word_index = m->word_index;
        w->score = m->score;
        if (m->n_query_vectors > 0) {
            w->query_vectors = malloc(m->n_query_vectors * sizeof *w->query_vectors);
            if (w->query_vectors == NULL)
                return false;
            memcpy(w->query_vectors, m->query_vectors,
                   m->n_query_vectors * sizeof *w->query_vectors);
            w->n_query_vectors = m->n_query_vectors;
        }
    }
    return true;
}

static me_search_result *hits_from(const Multiembed__V1__SearchResponse *pb, me_error *err)
{
    me_search_result *res = calloc(1, sizeof *res);
    if (res == NULL ||
        (pb->n_hits > 0 && (res->hits = calloc(pb->n_hits, sizeof *res->hits)) == NULL)) {
        free(res);
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu hits", pb->n_hits);
        return NULL;
    }
    res->count = pb->n_hits;
    for (size_t i = 0; i < pb->n_hits; i++) {
        const Multiembed__V1__SearchHit *h = pb->hits[i];
        me_hit *out = &res->hits[i];
        out->score = h->score;
        out->id = me__strdup(h->id);
        if (out->id == NULL ||
            !copy_metadata(&out->metadata, &out->n_metadata, h->metadata, h->n_metadata,
                           hit_entry) ||
            !copy_matches(out, h)) {
            me_search_result_free(res);
            me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for hit %zu", i);
            return NULL;
        }
    }
    copy_usage(&res->usage, pb->usage);
    me__ok(err);
    return res;
}

me_search_result *me_search(me_client *client, const char *collection, const me_source *query,
                            const me_search_options *opts, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    static const me_search_options defaults = {0};
    const me_search_options *o = opts != NULL ? opts : &defaults;
    me__arena arena;
    me__arena_init(&arena);
    Multiembed__V1__SearchRequest body = MULTIEMBED__V1__SEARCH_REQUEST__INIT;
    if (build_search(&body, collection, query, o, &arena, err) != ME_OK) {
        me__arena_free(&arena);
        return NULL;
    }
    Multiembed__V1__Request req = new_request(&o->call);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_SEARCH;
    req.search = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_SEARCH, o->call.timeout_ms, err);
    me__arena_free(&arena);
    if (resp == NULL)
        return NULL;
    me_search_result *res = hits_from(resp->search, err);
    multiembed__v1__response__free_unpacked(resp, NULL);
    return res;
}

void me_search_result_free(me_search_result *result)
{
    if (result == NULL)
        return;
    for (size_t i = 0; result->hits != NULL && i < result->count; i++) {
        free(result->hits[i].id);
        free_metadata(result->hits[i].metadata, result->hits[i].n_metadata);
        for (size_t k = 0; result->hits[i].matches != NULL && k < result->hits[i].n_matches; k++) {
            free(result->hits[i].matches[k].word.text);
            free(result->hits[i].matches[k].query_vectors);
        }
        free(result->hits[i].matches);
    }
    free(result->hits);
    free(result);
}

/* ---- score ---- */

static int build_score(Multiembed__V1__ScoreRequest *body, const me_source *query,
                       const me_source *documents, size_t n, const me_score_options *o,
                       me__arena *arena, me_error *err)
{
    if (me__check_utf8(o->model, "model", err) != ME_OK ||
        me__check_utf8(o->collection, "collection", err) != ME_OK ||
        check_prompt(o->query_prompt_name, o->query_instruction, "query_", err) != ME_OK ||
        check_prompt(o->document_prompt_name, o->document_instruction, "document_", err) !=
            ME_OK ||
        check_truncate(o->truncate, err) != ME_OK)
        return err->code;
    if (documents == NULL || n == 0)
        return me__fail(err, ME_INVALID_ARGUMENT, "no documents to score");
    body->query = build_source(query, "query", 0, arena, err);
    if (body->query == NULL)
        return err->code;
    Multiembed__V1__MultiVectorSource **docs =
        n <= SIZE_MAX / sizeof *docs ? me__arena_alloc(arena, n * sizeof *docs) : NULL;
    if (docs == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu documents", n);
    for (size_t i = 0; i < n; i++) {
        docs[i] = build_source(&documents[i], "document", i, arena, err);
        if (docs[i] == NULL)
            return err->code;
    }
    if (o->model != NULL)
        body->model = (char *)o->model;
    if (o->collection != NULL)
        body->collection = (char *)o->collection;
    body->n_documents = n;
    body->documents = docs;
    body->truncate = (Multiembed__V1__Truncate)o->truncate;
    if (o->query_prompt_name != NULL) {
        body->query_prompt_case = MULTIEMBED__V1__SCORE_REQUEST__QUERY_PROMPT_QUERY_PROMPT_NAME;
        body->query_prompt_name = (char *)o->query_prompt_name;
    } else if (o->query_instruction != NULL) {
        body->query_prompt_case = MULTIEMBED__V1__SCORE_REQUEST__QUERY_PROMPT_QUERY_INSTRUCTION;
        body->query_instruction = (char *)o->query_instruction;
    }
    if (o->document_prompt_name != NULL) {
        body->document_prompt_case =
            MULTIEMBED__V1__SCORE_REQUEST__DOCUMENT_PROMPT_DOCUMENT_PROMPT_NAME;
        body->document_prompt_name = (char *)o->document_prompt_name;
    } else if (o->document_instruction != NULL) {
        body->document_prompt_case =
            MULTIEMBED__V1__SCORE_REQUEST__DOCUMENT_PROMPT_DOCUMENT_INSTRUCTION;
        body->document_instruction = (char *)o->document_instruction;
    }
    return ME_OK;
}

me_scores *me_score(me_client *client, const me_source *query, const me_source *documents,
                    size_t n, const me_score_options *opts, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    static const me_score_options defaults = {0};
    const me_score_options *o = opts != NULL ? opts : &defaults;
    me__arena arena;
    me__arena_init(&arena);
    Multiembed__V1__ScoreRequest body = MULTIEMBED__V1__SCORE_REQUEST__INIT;
    if (build_score(&body, query, documents, n, o, &arena, err) != ME_OK) {
        me__arena_free(&arena);
        return NULL;
    }
    Multiembed__V1__Request req = new_request(&o->call);
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_SCORE;
    req.score = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_SCORE, o->call.timeout_ms, err);
    me__arena_free(&arena);
    if (resp == NULL)
        return NULL;
    me_scores *res = NULL;
    const Multiembed__V1__ScoreResponse *pb = resp->score;
    if (pb->n_scores != n) {
        me__fail(err, ME_INTERNAL, "response has %zu scores for %zu documents", pb->n_scores, n);
    } else if ((res = calloc(1, sizeof *res)) == NULL ||
               (res->scores = malloc(n * sizeof *res->scores)) == NULL) {
        free(res);
        res = NULL;
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu scores", n);
    } else {
        memcpy(res->scores, pb->scores, n * sizeof *res->scores);
        res->count = n;
        copy_usage(&res->usage, pb->usage);
        me__ok(err);
    }
    multiembed__v1__response__free_unpacked(resp, NULL);
    return res;
}

void me_scores_free(me_scores *scores)
{
    if (scores == NULL)
        return;
    free(scores->scores);
    free(scores);
}
