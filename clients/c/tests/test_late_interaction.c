/* test_late_interaction.c - collections, upsert, delete, get, search and score against the fake
 * server: every request field as the server decodes it, results copied from canned responses,
 * bad arguments refused before sending, and responses that lie refused with ME_INTERNAL. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_server.h"
#include "multiembed.h"

static me_client *start(fake_server *fs, fs_handler handler, void *ctx)
{
    CHECK(fs_start(fs, handler, ctx));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs->port, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(c != NULL);
    return c;
}

/* Reads the next request and checks its body kind; NULL (and a failed check) otherwise. */
static Multiembed__V1__Request *expect(int fd, Multiembed__V1__Request__BodyCase body)
{
    Multiembed__V1__Request *r = fs_read_request(fd);
    CHECK(r != NULL && r->body_case == body);
    if (r != NULL && r->body_case != body) {
        multiembed__v1__request__free_unpacked(r, NULL);
        return NULL;
    }
    return r;
}

static bool floats_equal_le(ProtobufCBinaryData data, const float *values, size_t n)
{
    uint8_t *want = fs_floats_le(values, n);
    bool same = data.len == n * 4 && memcmp(data.data, want, n * 4) == 0;
    free(want);
    return same;
}

static const float doc_vectors[6] = {1.0f, 2.0f, 3.0f, -4.0f, 0.5f, 0.25f};
static const float query_vector[3] = {0.0f, 1.0f, 0.0f};
static const float stored[4] = {1.0f, 0.0f, 0.0f, 1.0f};

/* ---- the round trip: every call once, fields checked, canned answers ---- */

static void answer_create(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__CreateCollectionRequest *b = r->create_collection;
    CHECK(strcmp(b->name, "pages") == 0 && strcmp(b->model, "m") == 0);
    CHECK(b->precision == MULTIEMBED__V1__PRECISION__PRECISION_INT8);
    CHECK(b->pool_factor == 2 && b->max_vectors == 64 && b->dimension == 0 && !b->vectors_only);
    CHECK(b->kind == MULTIEMBED__V1__COLLECTION_KIND__COLLECTION_KIND_MULTI_VECTOR);
    Multiembed__V1__CollectionInfo info = MULTIEMBED__V1__COLLECTION_INFO__INIT;
    info.name = "pages";
    info.dimension = 4;
    info.precision = MULTIEMBED__V1__PRECISION__PRECISION_INT8;
    info.pool_factor = 2;
    info.max_vectors = 64;
    info.model = "m";
    Multiembed__V1__CreateCollectionResponse body = MULTIEMBED__V1__CREATE_COLLECTION_RESPONSE__INIT;
    body.collection = &info;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_CREATE_COLLECTION;
    resp.create_collection = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_upsert(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__UpsertRequest *b = r->upsert;
    CHECK(r->deadline_ms == 900);
    CHECK(strcmp(b->collection, "pages") == 0 && b->n_documents == 3);
    CHECK(b->prompt_case == MULTIEMBED__V1__UPSERT_REQUEST__PROMPT_INSTRUCTION &&
          strcmp(b->instruction, "") == 0);
    CHECK(b->truncate == MULTIEMBED__V1__TRUNCATE__TRUNCATE_START);
    if (b->n_documents == 3) {
        const Multiembed__V1__Document *text = b->documents[0], *vec = b->documents[1],
                                       *img = b->documents[2];
        CHECK(strcmp(text->id, "a") == 0 && strcmp(vec->id, "b") == 0 && strcmp(img->id, "c") == 0);
        CHECK(text->content->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT &&
              strcmp(text->content->input->text, "h\xc3\xa9llo") == 0);
        CHECK(text->n_metadata == 2 && strcmp(text->metadata[1]->key, "page") == 0 &&
              strcmp(text->metadata[1]->value, "7") == 0);
        CHECK(vec->content->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS);
        CHECK(vec->content->vectors->count == 2 && vec->content->vectors->dimension == 3);
        CHECK(floats_equal_le(vec->content->vectors->data, doc_vectors, 6));
        CHECK(vec->n_metadata == 0);
        CHECK(text->n_pooled == 0 && vec->n_pooled == 0 && img->n_pooled == 0);
        CHECK(img->content->input->kind_case == MULTIEMBED__V1__INPUT__KIND_IMAGE &&
              img->content->input->image->data.len == 4);
    }
    Multiembed__V1__Usage usage = MULTIEMBED__V1__USAGE__INIT;
    usage.tokens = 5;
    Multiembed__V1__UpsertResponse body = MULTIEMBED__V1__UPSERT_RESPONSE__INIT;
    body.upserted = 3;
    body.usage = &usage;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_UPSERT;
    resp.upsert = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_search(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__SearchRequest *b = r->search;
    CHECK(strcmp(b->collection, "pages") == 0 && b->top_k == 10);
    CHECK(b->query->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT &&
          strcmp(b->query->input->text, "q") == 0);
    CHECK(b->n_filter_ids == 2 && strcmp(b->filter_ids[1], "b") == 0);
    CHECK(b->prompt_case == MULTIEMBED__V1__SEARCH_REQUEST__PROMPT_PROMPT_NAME &&
          strcmp(b->prompt_name, "query") == 0);
    /* A zeroed me_search_options leaves every new field unset: the collection's own mode. */
    CHECK(b->mode == MULTIEMBED__V1__SEARCH_MODE__SEARCH_MODE_DEFAULT &&
          b->metric == MULTIEMBED__V1__METRIC__METRIC_COSINE && b->candidates == 0);
    CHECK(b->n_filter_metadata == 0 && b->n_query_pooled == 0);
    Multiembed__V1__SearchHit__MetadataEntry entry = MULTIEMBED__V1__SEARCH_HIT__METADATA_ENTRY__INIT;
    entry.key = "page";
    entry.value = "7";
    Multiembed__V1__SearchHit__MetadataEntry *entries[1] = {&entry};
    Multiembed__V1__SearchHit h0 = MULTIEMBED__V1__SEARCH_HIT__INIT, h1 = MULTIEMBED__V1__SEARCH_HIT__INIT;
    h0.id = "a";
    h0.score = 2.5f;
    h0.n_metadata = 1;
    h0.metadata = entries;
    h1.id = "b";
    h1.score = -0.75f;
    Multiembed__V1__SearchHit *hits[2] = {&h0, &h1};
    Multiembed__V1__Usage usage = MULTIEMBED__V1__USAGE__INIT;
    usage.tokens = 3;
    Multiembed__V1__SearchResponse body = MULTIEMBED__V1__SEARCH_RESPONSE__INIT;
    body.n_hits = 2;
    body.hits = hits;
    body.usage = &usage;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_SEARCH;
    resp.search = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void send_scores(int fd, uint64_t id, float *scores, size_t n)
{
    Multiembed__V1__ScoreResponse body = MULTIEMBED__V1__SCORE_RESPONSE__INIT;
    body.n_scores = n;
    body.scores = scores;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_SCORE;
    resp.score = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_score(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__ScoreRequest *b = r->score;
    CHECK(strcmp(b->model, "") == 0 && b->n_documents == 2);
    CHECK(b->query->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS &&
          floats_equal_le(b->query->vectors->data, query_vector, 3));
    CHECK(b->query_prompt_case == MULTIEMBED__V1__SCORE_REQUEST__QUERY_PROMPT_QUERY_INSTRUCTION &&
          strcmp(b->query_instruction, "") == 0);
    CHECK(b->document_prompt_case ==
              MULTIEMBED__V1__SCORE_REQUEST__DOCUMENT_PROMPT_DOCUMENT_PROMPT_NAME &&
          strcmp(b->document_prompt_name, "document") == 0);
    CHECK(b->truncate == MULTIEMBED__V1__TRUNCATE__TRUNCATE_ERROR);
    float scores[2] = {1.5f, 0.25f};
    send_scores(fd, r->id, scores, 2);
}

static void send_documents(int fd, uint64_t id, const float *vectors, size_t bytes)
{
    Multiembed__V1__Document__MetadataEntry entry = MULTIEMBED__V1__DOCUMENT__METADATA_ENTRY__INIT;
    entry.key = "file";
    entry.value = "r.pdf";
    Multiembed__V1__Document__MetadataEntry *entries[1] = {&entry};
    uint8_t *data = fs_floats_le(vectors, 4);
    Multiembed__V1__MultiVector mv = MULTIEMBED__V1__MULTI_VECTOR__INIT;
    mv.count = 2;
    mv.dimension = 2;
    mv.data.data = data;
    mv.data.len = bytes;
    Multiembed__V1__MultiVectorSource content = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__INIT;
    content.kind_case = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS;
    content.vectors = &mv;
    Multiembed__V1__Document doc = MULTIEMBED__V1__DOCUMENT__INIT;
    doc.id = "a";
    doc.content = &content;
    doc.n_metadata = 1;
    doc.metadata = entries;
    Multiembed__V1__Document *docs[1] = {&doc};
    Multiembed__V1__GetResponse body = MULTIEMBED__V1__GET_RESPONSE__INIT;
    body.n_documents = 1;
    body.documents = docs;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_GET;
    resp.get = &body;
    CHECK(fs_send_response(fd, &resp));
    free(data);
}

static void answer_get(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__GetRequest *b = r->get;
    CHECK(strcmp(b->collection, "pages") == 0 && b->include_vectors);
    CHECK(b->n_ids == 2 && strcmp(b->ids[0], "a") == 0 && strcmp(b->ids[1], "zz") == 0);
    send_documents(fd, r->id, stored, 16);
}

static void answer_delete(int fd, Multiembed__V1__Request *r)
{
    CHECK(r->delete_->n_ids == 2 && strcmp(r->delete_->collection, "pages") == 0);
    Multiembed__V1__DeleteResponse body = MULTIEMBED__V1__DELETE_RESPONSE__INIT;
    body.deleted = 1;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_DELETE;
    resp.delete_ = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_list(int fd, Multiembed__V1__Request *r)
{
    Multiembed__V1__CollectionInfo a = MULTIEMBED__V1__COLLECTION_INFO__INIT;
    Multiembed__V1__CollectionInfo b = MULTIEMBED__V1__COLLECTION_INFO__INIT;
    a.name = "pages";
    a.document_count = 2;
    b.name = "vectors";
    b.dimension = 3;
    b.precision = MULTIEMBED__V1__PRECISION__PRECISION_BINARY;
    Multiembed__V1__CollectionInfo *all[2] = {&a, &b};
    Multiembed__V1__ListCollectionsResponse body = MULTIEMBED__V1__LIST_COLLECTIONS_RESPONSE__INIT;
    body.n_collections = 2;
    body.collections = all;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_LIST_COLLECTIONS;
    resp.list_collections = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_drop(int fd, Multiembed__V1__Request *r)
{
    if (strcmp(r->drop_collection->name, "pages") != 0) {
        CHECK(fs_send_status(fd, r->id, ME_NOT_FOUND, "no collection gone"));
        return;
    }
    Multiembed__V1__DropCollectionResponse body = MULTIEMBED__V1__DROP_COLLECTION_RESPONSE__INIT;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_DROP_COLLECTION;
    resp.drop_collection = &body;
    CHECK(fs_send_response(fd, &resp));
}

typedef struct step {
    Multiembed__V1__Request__BodyCase body;
    void (*answer)(int fd, Multiembed__V1__Request *r);
} step;

static const step round_trip_steps[] = {
    {MULTIEMBED__V1__REQUEST__BODY_CREATE_COLLECTION, answer_create},
    {MULTIEMBED__V1__REQUEST__BODY_UPSERT, answer_upsert},
    {MULTIEMBED__V1__REQUEST__BODY_SEARCH, answer_search},
    {MULTIEMBED__V1__REQUEST__BODY_SCORE, answer_score},
    {MULTIEMBED__V1__REQUEST__BODY_GET, answer_get},
    {MULTIEMBED__V1__REQUEST__BODY_DELETE, answer_delete},
    {MULTIEMBED__V1__REQUEST__BODY_LIST_COLLECTIONS, answer_list},
    {MULTIEMBED__V1__REQUEST__BODY_DROP_COLLECTION, answer_drop},
    {MULTIEMBED__V1__REQUEST__BODY_DROP_COLLECTION, answer_drop},
};

static void h_round_trip(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    for (size_t i = 0; i < sizeof round_trip_steps / sizeof round_trip_steps[0]; i++) {
        Multiembed__V1__Request *r = expect(fd, round_trip_steps[i].body);
        if (r == NULL)
            break;
        round_trip_steps[i].answer(fd, r);
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void check_collection_calls(me_client *c)
{
    me_error err;
    me_collection_options co = {.model = "m", .precision = ME_PRECISION_INT8, .pool_factor = 2,
                                .max_vectors = 64};
    me_collection_info *info = me_create_collection(c, "pages", &co, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && strcmp(info->name, "pages") == 0 && strcmp(info->model, "m") == 0);
    CHECK(info != NULL && info->dimension == 4 && info->precision == ME_PRECISION_INT8 &&
          info->pool_factor == 2 && info->max_vectors == 64 && info->document_count == 0);
    CHECK(info != NULL && info->kind == ME_COLLECTION_MULTI_VECTOR);
    me_collection_info_free(info);
}

static void check_document_calls(me_client *c)
{
    me_error err;
    const uint8_t png[4] = {0x89, 'P', 'N', 'G'};
    const me_metadata meta[2] = {{"file", "r.pdf"}, {"page", "7"}};
    me_document docs[3] = {
        {.id = "a", .content = me_source_text("h\xc3\xa9llo"), .metadata = meta, .n_metadata = 2},
        {.id = "b", .content = me_source_vectors(doc_vectors, 2, 3)},
        {.id = "c", .content = me_source_input(me_image(png, 4, NULL))},
    };
    me_upsert_options uo = {.instruction = "", .truncate = ME_TRUNCATE_START,
                            .call = {.deadline_ms = 900}};
    me_upsert_result up;
    memset(&up, 0xff, sizeof up);
    CHECK(me_upsert(c, "pages", docs, 3, &uo, &up, &err) == ME_OK);
    CHECK_CODE(err, ME_OK);
    CHECK(up.upserted == 3 && up.usage.tokens == 5 && up.usage.pixels == 0);

    const char *filters[2] = {"a", "b"};
    me_source q = me_source_text("q");
    me_search_options so = {.filter_ids = filters, .n_filter_ids = 2, .prompt_name = "query"};
    me_search_result *hits = me_search(c, "pages", &q, &so, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2 && hits->usage.tokens == 3);
    if (hits != NULL && hits->count == 2) {
        CHECK(strcmp(hits->hits[0].id, "a") == 0 && hits->hits[0].score == 2.5f);
        CHECK(hits->hits[0].n_metadata == 1 && strcmp(hits->hits[0].metadata[0].key, "page") == 0 &&
              strcmp(hits->hits[0].metadata[0].value, "7") == 0);
        CHECK(strcmp(hits->hits[1].id, "b") == 0 && hits->hits[1].score == -0.75f);
        CHECK(hits->hits[1].n_metadata == 0 && hits->hits[1].metadata == NULL);
    }
    me_search_result_free(hits);

    me_source query = me_source_vectors(query_vector, 1, 3);
    me_source candidates[2] = {me_source_text("d0"), me_source_vectors(doc_vectors, 2, 3)};
    me_score_options sc = {.query_instruction = "", .document_prompt_name = "document",
                           .truncate = ME_TRUNCATE_ERROR};
    me_scores *scores = me_score(c, &query, candidates, 2, &sc, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(scores != NULL && scores->count == 2);
    if (scores != NULL && scores->count == 2)
        CHECK(scores->scores[0] == 1.5f && scores->scores[1] == 0.25f);
    me_scores_free(scores);

    const char *ids[2] = {"a", "zz"};
    me_documents *got = me_get(c, "pages", ids, 2, true, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(got != NULL && got->count == 1);
    if (got != NULL && got->count == 1) {
        const me_stored_document *d = &got->documents[0];
        CHECK(strcmp(d->id, "a") == 0 && d->count == 2 && d->dimension == 2);
        CHECK(d->vectors != NULL && memcmp(d->vectors, stored, sizeof stored) == 0);
        CHECK(d->n_metadata == 1 && strcmp(d->metadata[0].value, "r.pdf") == 0);
        CHECK(d->pooled == NULL && d->pooled_dimension == 0); /* none on the wire */
    }
    me_documents_free(got);

    uint32_t deleted = 99;
    CHECK(me_delete(c, "pages", filters, 2, NULL, &deleted, &err) == ME_OK && deleted == 1);
}

static void round_trip(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_round_trip, NULL);
    if (c != NULL) {
        check_collection_calls(c);
        check_document_calls(c);
        me_error err;
        me_collection_list *list = me_list_collections(c, NULL, &err);
        CHECK_CODE(err, ME_OK);
        CHECK(list != NULL && list->count == 2);
        if (list != NULL && list->count == 2) {
            CHECK(strcmp(list->collections[0].name, "pages") == 0 &&
                  list->collections[0].document_count == 2);
            CHECK(strcmp(list->collections[1].model, "") == 0 &&
                  list->collections[1].precision == ME_PRECISION_BINARY);
        }
        me_collection_list_free(list);
        CHECK(me_drop_collection(c, "pages", NULL, &err) == ME_OK);
        CHECK(me_drop_collection(c, "gone", NULL, &err) == ME_NOT_FOUND);
        CHECK_CODE(err, ME_NOT_FOUND);
        CHECK(strstr(err.message, "no collection gone") != NULL);
    }
    me_close(c);
    fs_stop(&fs);
}

/* ---- dense collections, pooled vectors, search modes and metadata filters ---- */

static const float pooled3[3] = {0.5f, -1.25f, 3.0f};
static const float query_pooled3[3] = {-0.0f, 1.0f, 2.5f};

static void send_collection(int fd, uint64_t id, const char *name, int kind, uint32_t dimension)
{
    Multiembed__V1__CollectionInfo info = MULTIEMBED__V1__COLLECTION_INFO__INIT;
    info.name = (char *)name;
    info.dimension = dimension;
    info.pool_factor = 1;
    info.model = "m";
    info.kind = (Multiembed__V1__CollectionKind)kind;
    Multiembed__V1__CreateCollectionResponse body = MULTIEMBED__V1__CREATE_COLLECTION_RESPONSE__INIT;
    body.collection = &info;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_CREATE_COLLECTION;
    resp.create_collection = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void send_hits(int fd, uint64_t id, const char *const *ids, const float *scores, size_t n)
{
    Multiembed__V1__SearchHit hits[4], *ptrs[4];
    for (size_t i = 0; i < n && i < 4; i++) {
        multiembed__v1__search_hit__init(&hits[i]);
        hits[i].id = (char *)ids[i];
        hits[i].score = scores[i];
        ptrs[i] = &hits[i];
    }
    Multiembed__V1__SearchResponse body = MULTIEMBED__V1__SEARCH_RESPONSE__INIT;
    body.n_hits = n;
    body.hits = ptrs;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_SEARCH;
    resp.search = &body;
    CHECK(fs_send_response(fd, &resp));
}

/* Sends Get documents: "given" (pooled only, as a dense collection's), "mv" (vectors and
 * pooled), "bare" (vectors only), "empty" (a content message with nothing in it). */
static void send_pooled_documents(int fd, uint64_t id)
{
    uint8_t *data = fs_floats_le(stored, 4);
    Multiembed__V1__MultiVector mv = MULTIEMBED__V1__MULTI_VECTOR__INIT;
    mv.count = 2;
    mv.dimension = 2;
    mv.data.data = data;
    mv.data.len = 16;
    Multiembed__V1__MultiVectorSource content = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__INIT;
    content.kind_case = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS;
    content.vectors = &mv;
    Multiembed__V1__MultiVectorSource nothing = MULTIEMBED__V1__MULTI_VECTOR_SOURCE__INIT;
    Multiembed__V1__Document given = MULTIEMBED__V1__DOCUMENT__INIT, with = given, bare = given,
                             empty = given;
    given.id = "given";
    given.n_pooled = 3;
    given.pooled = (float *)pooled3;
    with.id = "mv";
    with.content = &content;
    with.n_pooled = 2;
    with.pooled = (float *)query_pooled3 + 1;
    bare.id = "bare";
    bare.content = &content;
    empty.id = "empty";
    empty.content = &nothing;
    Multiembed__V1__Document *docs[4] = {&given, &with, &bare, &empty};
    Multiembed__V1__GetResponse body = MULTIEMBED__V1__GET_RESPONSE__INIT;
    body.n_documents = 4;
    body.documents = docs;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_GET;
    resp.get = &body;
    CHECK(fs_send_response(fd, &resp));
    free(data);
}

static void h_dense(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    /* 1. create a dense collection: kind on the wire, dimension left to the model */
    Multiembed__V1__Request *r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_CREATE_COLLECTION);
    if (r != NULL) {
        const Multiembed__V1__CreateCollectionRequest *b = r->create_collection;
        CHECK(strcmp(b->name, "news") == 0 && b->dimension == 0);
        CHECK(b->kind == MULTIEMBED__V1__COLLECTION_KIND__COLLECTION_KIND_DENSE);
        CHECK(b->precision == MULTIEMBED__V1__PRECISION__PRECISION_FLOAT32 && b->pool_factor == 0);
        send_collection(fd, r->id, "news", MULTIEMBED__V1__COLLECTION_KIND__COLLECTION_KIND_DENSE, 3);
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 2. upsert: a text, a pooled vector alone, vectors with a pooled vector */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_UPSERT);
    if (r != NULL) {
        const Multiembed__V1__UpsertRequest *b = r->upsert;
        CHECK(b->n_documents == 3);
        if (b->n_documents == 3) {
            const Multiembed__V1__Document *text = b->documents[0], *given = b->documents[1],
                                           *both = b->documents[2];
            CHECK(text->content != NULL && text->n_pooled == 0 && text->n_metadata == 1);
            CHECK(strcmp(given->id, "given") == 0 && given->content == NULL);
            CHECK(given->n_pooled == 3 && memcmp(given->pooled, pooled3, sizeof pooled3) == 0);
            CHECK(given->n_metadata == 1 && strcmp(given->metadata[0]->value, "given") == 0);
            CHECK(both->content != NULL &&
                  both->content->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS);
            CHECK(both->n_pooled == 3 && memcmp(both->pooled, pooled3, sizeof pooled3) == 0);
        }
        Multiembed__V1__UpsertResponse body = MULTIEMBED__V1__UPSERT_RESPONSE__INIT;
        body.upserted = 3;
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_UPSERT;
        resp.upsert = &body;
        CHECK(fs_send_response(fd, &resp));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 3. dense search by query_pooled alone, dot product, metadata filter, candidates */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SEARCH);
    if (r != NULL) {
        const Multiembed__V1__SearchRequest *b = r->search;
        CHECK(b->query == NULL); /* unset on the wire */
        CHECK(b->mode == MULTIEMBED__V1__SEARCH_MODE__SEARCH_MODE_DENSE);
        CHECK(b->metric == MULTIEMBED__V1__METRIC__METRIC_DOT && b->candidates == 7 && b->top_k == 2);
        CHECK(b->n_query_pooled == 3 &&
              memcmp(b->query_pooled, query_pooled3, sizeof query_pooled3) == 0);
        CHECK(b->n_filter_metadata == 2 && b->n_filter_ids == 0);
        if (b->n_filter_metadata == 2) {
            /* a map: entries in any order on the wire */
            const Multiembed__V1__SearchRequest__FilterMetadataEntry *e0 = b->filter_metadata[0],
                                                                     *e1 = b->filter_metadata[1];
            if (strcmp(e0->key, "topic") != 0) {
                const Multiembed__V1__SearchRequest__FilterMetadataEntry *t = e0;
                e0 = e1;
                e1 = t;
            }
            CHECK(strcmp(e0->key, "topic") == 0 && strcmp(e0->value, "weather") == 0);
            CHECK(strcmp(e1->key, "lang") == 0 && strcmp(e1->value, "en") == 0);
        }
        const char *ids[2] = {"given", "rain"};
        const float scores[2] = {0.875f, -0.125f};
        send_hits(fd, r->id, ids, scores, 2);
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 4. hybrid search of a text query: mode and candidates, no pooled query */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SEARCH);
    if (r != NULL) {
        const Multiembed__V1__SearchRequest *b = r->search;
        CHECK(b->query != NULL && b->query->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT);
        CHECK(b->mode == MULTIEMBED__V1__SEARCH_MODE__SEARCH_MODE_HYBRID && b->candidates == 50);
        CHECK(b->metric == MULTIEMBED__V1__METRIC__METRIC_COSINE && b->n_query_pooled == 0);
        CHECK(b->n_filter_metadata == 0);
        CHECK(fs_send_status(fd, r->id, ME_FAILED_PRECONDITION,
                             "collection 'news' has documents without a pooled vector ('bare')"));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 5. get: pooled vectors copied, absent ones NULL */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_GET);
    if (r != NULL) {
        CHECK(r->get->include_vectors);
        send_pooled_documents(fd, r->id);
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 6. list: each collection's kind */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_LIST_COLLECTIONS);
    if (r != NULL) {
        Multiembed__V1__CollectionInfo a = MULTIEMBED__V1__COLLECTION_INFO__INIT, b = a;
        a.name = "news";
        a.kind = MULTIEMBED__V1__COLLECTION_KIND__COLLECTION_KIND_DENSE;
        b.name = "pages";
        Multiembed__V1__CollectionInfo *infos[2] = {&a, &b};
        Multiembed__V1__ListCollectionsResponse body = MULTIEMBED__V1__LIST_COLLECTIONS_RESPONSE__INIT;
        body.n_collections = 2;
        body.collections = infos;
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_LIST_COLLECTIONS;
        resp.list_collections = &body;
        CHECK(fs_send_response(fd, &resp));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    /* 7. a damaged collection: DATA_LOSS passed on, the connection kept */
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SEARCH);
    if (r != NULL) {
        CHECK(fs_send_status(fd, r->id, ME_DATA_LOSS, "collection 'news' is damaged: run repair"));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void dense_and_pooled(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_dense, NULL);
    me_error err;
    me_collection_options co = {.kind = ME_COLLECTION_DENSE};
    me_collection_info *info = me_create_collection(c, "news", &co, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && info->kind == ME_COLLECTION_DENSE && info->dimension == 3);
    me_collection_info_free(info);

    const me_metadata weather = {"topic", "weather"}, given_meta = {"topic", "given"};
    me_document docs[3] = {
        {.id = "rain", .content = me_source_text("heavy rain"), .metadata = &weather, .n_metadata = 1},
        {.id = "given", .metadata = &given_meta, .n_metadata = 1, .pooled = pooled3,
         .pooled_dimension = 3},
        {.id = "both", .content = me_source_vectors(doc_vectors, 2, 3), .pooled = pooled3,
         .pooled_dimension = 3},
    };
    me_upsert_result up;
    CHECK(me_upsert(c, "news", docs, 3, NULL, &up, &err) == ME_OK && up.upserted == 3);

    const me_metadata filter[2] = {{"topic", "weather"}, {"lang", "en"}};
    me_search_options so = {.top_k = 2, .mode = ME_SEARCH_DENSE, .metric = ME_METRIC_DOT,
                            .candidates = 7, .filter_metadata = filter, .n_filter_metadata = 2,
                            .query_pooled = query_pooled3, .query_pooled_dimension = 3};
    me_search_result *hits = me_search(c, "news", NULL, &so, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2);
    if (hits != NULL && hits->count == 2)
        CHECK(strcmp(hits->hits[0].id, "given") == 0 && hits->hits[0].score == 0.875f &&
              strcmp(hits->hits[1].id, "rain") == 0 && hits->hits[1].score == -0.125f);
    me_search_result_free(hits);

    me_source q = me_source_text("rain");
    me_search_options hybrid = {.mode = ME_SEARCH_HYBRID, .candidates = 50};
    CHECK(me_search(c, "news", &q, &hybrid, &err) == NULL);
    CHECK_CODE(err, ME_FAILED_PRECONDITION);
    CHECK(strstr(err.message, "without a pooled vector") != NULL);

    const char *ids[4] = {"given", "mv", "bare", "empty"};
    me_documents *got = me_get(c, "news", ids, 4, true, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(got != NULL && got->count == 4);
    if (got != NULL && got->count == 4) {
        const me_stored_document *g = &got->documents[0], *m = &got->documents[1],
                                 *b = &got->documents[2];
        CHECK(g->vectors == NULL && g->count == 0 && g->pooled_dimension == 3 && g->pooled != NULL &&
              memcmp(g->pooled, pooled3, sizeof pooled3) == 0);
        CHECK(m->vectors != NULL && m->count == 2 && m->pooled_dimension == 2 && m->pooled != NULL &&
              m->pooled[0] == 1.0f && m->pooled[1] == 2.5f);
        CHECK(b->vectors != NULL && b->pooled == NULL && b->pooled_dimension == 0);
        const me_stored_document *e = &got->documents[3];
        CHECK(strcmp(e->id, "empty") == 0 && e->vectors == NULL && e->count == 0 && e->pooled == NULL);
    }
    me_documents_free(got);

    me_collection_list *list = me_list_collections(c, NULL, &err);
    CHECK(list != NULL && list->count == 2);
    if (list != NULL && list->count == 2)
        CHECK(list->collections[0].kind == ME_COLLECTION_DENSE &&
              list->collections[1].kind == ME_COLLECTION_MULTI_VECTOR);
    me_collection_list_free(list);

    CHECK(me_search(c, "news", &q, NULL, &err) == NULL);
    CHECK_CODE(err, ME_DATA_LOSS);
    CHECK(strstr(err.message, "damaged") != NULL);
    me_close(c);
    fs_stop(&fs);
}

/* ---- bad arguments never reach the server ---- */

static void h_expect_nothing(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = fs_read_request(fd); /* NULL: the client closed, sending nothing */
    CHECK(r == NULL);
    if (r != NULL)
        multiembed__v1__request__free_unpacked(r, NULL);
    close(fd);
}

/* Pooled vectors, modes and metadata filters that cannot be meant. */
static void bad_pooled_arguments(me_client *c)
{
    me_error err;
    const float v[2] = {1.0f, 2.0f};
    me_document nothing = {.id = "a"}; /* no content, no pooled vector */
    me_document null_pooled = {.id = "a", .pooled = NULL, .pooled_dimension = 2};
    me_document zero_pooled = {.id = "a", .pooled = v, .pooled_dimension = 0};
    me_document huge_pooled = {.id = "a", .pooled = v, .pooled_dimension = UINT32_MAX};
    const me_document *bad_docs[] = {&nothing, &null_pooled, &zero_pooled, &huge_pooled};
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        CHECK(me_upsert(c, "pages", bad_docs[i], 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
        CHECK_CODE(err, ME_INVALID_ARGUMENT);
    }
    CHECK(me_upsert(c, "pages", &nothing, 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT &&
          strstr(err.message, "neither content nor a pooled vector") != NULL);

    me_source q = me_source_text("q");
    const me_metadata dup[2] = {{"k", "a"}, {"k", "b"}}, null_key = {NULL, "a"},
                      bad_value = {"k", "\xc3"};
    me_search_options bad[] = {
        {.mode = (me_search_mode)4},
        {.metric = (me_metric)2},
        {.filter_metadata = NULL, .n_filter_metadata = 1},
        {.filter_metadata = dup, .n_filter_metadata = 2},
        {.filter_metadata = &null_key, .n_filter_metadata = 1},
        {.filter_metadata = &bad_value, .n_filter_metadata = 1},
        {.query_pooled = NULL, .query_pooled_dimension = 2},
        {.query_pooled = v, .query_pooled_dimension = 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(me_search(c, "pages", &q, &bad[i], &err) == NULL);
        CHECK_CODE(err, ME_INVALID_ARGUMENT);
    }
    CHECK(me_search(c, "pages", &q, &bad[3], &err) == NULL && strstr(err.message, "same key") != NULL);
    /* No query: only with query_pooled. */
    me_search_options dense = {.mode = ME_SEARCH_DENSE};
    me_source none = {.kind = ME_SOURCE_NONE};
    CHECK(me_search(c, "pages", NULL, &dense, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(me_search(c, "pages", &none, &dense, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "query_pooled") != NULL);
    /* Score has no use for an empty source. */
    CHECK(me_score(c, &none, &q, 1, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
}

static void bad_arguments(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_expect_nothing, NULL);
    me_error err;
    const float nan_free[2] = {1.0f, 2.0f};
    me_document ok_doc = {.id = "a", .content = me_source_text("x")};
    me_document no_id = {.id = NULL, .content = me_source_text("x")};
    me_document bad_utf8 = {.id = "\xff", .content = me_source_text("x")};
    me_document empty_vectors = {.id = "a", .content = me_source_vectors(nan_free, 0, 2)};
    me_document null_vectors = {.id = "a", .content = me_source_vectors(NULL, 1, 2)};
    me_metadata null_value = {"k", NULL};
    me_document bad_meta = {.id = "a", .content = me_source_text("x"), .metadata = &null_value,
                            .n_metadata = 1};
    me_document bad_kind = {.id = "a", .content = {.kind = (me_source_kind)7}};
    const me_document *bad_docs[] = {&no_id, &bad_utf8, &empty_vectors, &null_vectors, &bad_meta,
                                     &bad_kind};
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        CHECK(me_upsert(c, "pages", bad_docs[i], 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
        CHECK_CODE(err, ME_INVALID_ARGUMENT);
    }
    CHECK(me_upsert(c, "pages", &ok_doc, 0, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
    CHECK(me_upsert(c, NULL, &ok_doc, 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
    me_upsert_options both = {.prompt_name = "a", .instruction = "b"};
    CHECK(me_upsert(c, "pages", &ok_doc, 1, &both, NULL, &err) == ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "not both") != NULL);
    me_upsert_options bad_truncate = {.truncate = (me_truncate)9};
    CHECK(me_upsert(c, "pages", &ok_doc, 1, &bad_truncate, NULL, &err) == ME_INVALID_ARGUMENT);

    me_source q = me_source_text("q");
    me_search_options huge = {.top_k = (uint32_t)INT32_MAX + 1u};
    CHECK(me_search(c, "pages", &q, &huge, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(me_search(c, "pages", NULL, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    const char *null_id[1] = {NULL};
    me_search_options null_filter = {.filter_ids = null_id, .n_filter_ids = 1};
    CHECK(me_search(c, "pages", &q, &null_filter, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);

    CHECK(me_score(c, &q, &q, 0, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_source bad_text = me_source_text("\xc3");
    CHECK(me_score(c, &q, &bad_text, 1, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "document 0") != NULL);

    CHECK(me_get(c, "pages", NULL, 2, false, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(me_delete(c, "pages", null_id, 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
    me_call_options bad_key = {.api_key = "\xff"};
    CHECK(me_delete(c, "pages", NULL, 0, &bad_key, NULL, &err) == ME_INVALID_ARGUMENT);
    CHECK(me_drop_collection(c, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
    me_collection_options vectors_only = {.vectors_only = true};
    CHECK(me_create_collection(c, "v", &vectors_only, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_collection_options bad_precision = {.precision = (me_precision)4};
    CHECK(me_create_collection(c, "v", &bad_precision, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(me_list_collections(NULL, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_collection_options bad_kind_collection = {.kind = (me_collection_kind)2};
    CHECK(me_create_collection(c, "v", &bad_kind_collection, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    bad_pooled_arguments(c);
    me_close(c);
    fs_stop(&fs);
}

/* ---- responses that do not add up ---- */

static void h_liars(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_GET);
    if (r != NULL)
        send_documents(fd, r->id, stored, 12); /* 2 x 2 floats in 12 bytes */
    multiembed__v1__request__free_unpacked(r, NULL);
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SCORE);
    float one = 1.0f;
    if (r != NULL)
        send_scores(fd, r->id, &one, 1); /* one score for two documents */
    multiembed__v1__request__free_unpacked(r, NULL);
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SEARCH);
    if (r != NULL)
        send_scores(fd, r->id, &one, 1); /* a score body for a search */
    multiembed__v1__request__free_unpacked(r, NULL);
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void lying_responses(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_liars, NULL);
    me_error err;
    const char *ids[1] = {"a"};
    CHECK(me_get(c, "pages", ids, 1, true, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INTERNAL);
    CHECK(strstr(err.message, "12 bytes") != NULL);
    me_source q = me_source_text("q");
    me_source docs[2] = {me_source_text("a"), me_source_text("b")};
    CHECK(me_score(c, &q, docs, 2, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INTERNAL);
    CHECK(me_search(c, "pages", &q, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INTERNAL);
    CHECK(strstr(err.message, "wrong body") != NULL);
    me_close(c);
    fs_stop(&fs);
}

/* ---- stored ids: sources and the collection on the wire, the server's verdict passed on ---- */

static void h_stored(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SCORE);
    if (r != NULL) {
        const Multiembed__V1__ScoreRequest *b = r->score;
        CHECK(strcmp(b->collection, "pages") == 0 && b->n_documents == 3);
        CHECK(b->query->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_DOCUMENT_ID &&
              strcmp(b->query->document_id, "q1") == 0);
        if (b->n_documents == 3) {
            CHECK(b->documents[0]->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_DOCUMENT_ID &&
                  strcmp(b->documents[0]->document_id, "a") == 0);
            CHECK(b->documents[1]->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_VECTORS &&
                  floats_equal_le(b->documents[1]->vectors->data, doc_vectors, 6));
            CHECK(b->documents[2]->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_DOCUMENT_ID &&
                  strcmp(b->documents[2]->document_id, "") == 0);
        }
        float scores[3] = {0.5f, 1.25f, -2.0f};
        send_scores(fd, r->id, scores, 3);
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    r = expect(fd, MULTIEMBED__V1__REQUEST__BODY_SCORE);
    if (r != NULL) {
        /* Without a collection the field stays empty (unset on the wire). */
        CHECK(strcmp(r->score->collection, "") == 0);
        CHECK(fs_send_status(fd, r->id, ME_NOT_FOUND, "document 0: collection 'pages' has no document 'zz'"));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void stored_ids(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_stored, NULL);
    me_error err;
    me_source query = me_source_stored("q1");
    me_source docs[3] = {me_source_stored("a"), me_source_vectors(doc_vectors, 2, 3),
                         me_source_stored("")};
    me_score_options so = {.collection = "pages"};
    me_scores *scores = me_score(c, &query, docs, 3, &so, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(scores != NULL && scores->count == 3);
    if (scores != NULL && scores->count == 3)
        CHECK(scores->scores[0] == 0.5f && scores->scores[1] == 1.25f && scores->scores[2] == -2.0f);
    me_scores_free(scores);

    me_source missing = me_source_stored("zz");
    CHECK(me_score(c, &query, &missing, 1, NULL, &err) == NULL);
    CHECK_CODE(err, ME_NOT_FOUND);
    CHECK(strstr(err.message, "'zz'") != NULL);

    /* A NULL or non-UTF-8 id, or a non-UTF-8 collection, never leaves the client. */
    me_source null_id = me_source_stored(NULL);
    CHECK(me_score(c, &query, &null_id, 1, &so, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "document 0: the stored id is NULL") != NULL);
    me_source bad_id = me_source_stored("\xff");
    CHECK(me_score(c, &bad_id, docs, 1, &so, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "query 0: the stored id is not valid UTF-8") != NULL);
    me_score_options bad_collection = {.collection = "\xc3"};
    CHECK(me_score(c, &query, docs, 1, &bad_collection, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "collection") != NULL);
    me_close(c);
    fs_stop(&fs);
}

const test_case late_interaction_tests[] = {
    {"late interaction: stored ids and the collection reach the wire", stored_ids},
    {"late interaction: every call's fields and results", round_trip},
    {"late interaction: dense collections, pooled vectors, modes, metadata filters", dense_and_pooled},
    {"late interaction: bad arguments refused before sending", bad_arguments},
    {"late interaction: responses that do not add up are ME_INTERNAL", lying_responses},
    {NULL, NULL},
};
