/* integration.c - the C client against a real `multiembed serve` (see integration.sh):
 *   integration HOST PORT TEXTS_FILE EXPECTED_JSONL PAGES_DIR
 * EXPECTED_JSONL is `multiembed embed --texts TEXTS_FILE` output, the in-process reference.
 * PAGES_DIR is Tests/Fixtures/pages (report.pdf, a two-page PDF with a text layer; d1.png, a
 * scanned page for OCR). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "multiembed.h"

atomic_int check_failures;

enum { MAX_TEXTS = 64, MAX_DIM = 4096 };

static char *texts[MAX_TEXTS];
static float expected[MAX_TEXTS][MAX_DIM];
static size_t expected_dim[MAX_TEXTS];
static size_t n_texts;

static bool read_texts(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    while (f != NULL && n_texts < MAX_TEXTS && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        texts[n_texts++] = strdup(line);
    }
    if (f != NULL)
        fclose(f);
    return n_texts > 0;
}

/* Reads {"index":i,"embedding":[...]} lines: enough JSON for the CLI's own output. */
static bool read_expected(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    static char line[1 << 20];
    size_t row = 0;
    while (row < n_texts && fgets(line, sizeof line, f) != NULL) {
        char *p = strstr(line, "\"embedding\":[");
        if (p == NULL)
            break;
        p += strlen("\"embedding\":[");
        size_t d = 0;
        while (*p != ']' && d < MAX_DIM) {
            char *end;
            expected[row][d++] = strtof(p, &end);
            if (end == p)
                break;
            p = end + (*end == ',');
        }
        expected_dim[row++] = d;
    }
    fclose(f);
    return row == n_texts;
}

static void compare(const me_result *r, double tol, const char *what)
{
    CHECK(r != NULL && r->count == n_texts && r->failed == 0);
    if (r == NULL)
        return;
    double worst = 0;
    for (size_t i = 0; i < r->count; i++) {
        const me_embedding *e = &r->embeddings[i];
        CHECK(e->pooled != NULL && e->dimension == expected_dim[i]);
        for (size_t k = 0; e->pooled != NULL && k < e->dimension && k < expected_dim[i]; k++) {
            double diff = fabs((double)e->pooled[k] - expected[i][k]);
            if (diff > worst)
                worst = diff;
        }
    }
    printf("%-34s max |client - multiembed embed| = %.3g (tolerance %.3g)\n", what, worst, tol);
    CHECK(worst <= tol);
}

/* MaxSim of a query against a document, both row-normalised here, as the server defines it. */
static float maxsim(const float *q, size_t nq, const float *d, size_t nd, size_t dim)
{
    float total = 0;
    for (size_t i = 0; i < nq; i++) {
        float best = -INFINITY;
        for (size_t j = 0; j < nd; j++) {
            float dot = me_cosine(q + i * dim, d + j * dim, dim);
            best = dot > best ? dot : best;
        }
        total += best;
    }
    return total;
}

/* Late interaction on a vectors-only collection: scores against a local MaxSim, search order,
 * get, delete, drop, and the errors of a collection that does not fit or does not exist. */
static void late_interaction(me_client *c)
{
    enum { DIM = 6 };
    static float docs[3][4 * DIM];
    const uint32_t counts[3] = {2, 4, 3};
    static float query[2 * DIM];
    for (size_t i = 0; i < sizeof docs / sizeof docs[0][0]; i++)
        docs[i / (4 * DIM)][i % (4 * DIM)] = (float)((int)((i * 7 + 3) % 23) - 11) / 8.0f;
    for (size_t i = 0; i < 2 * DIM; i++)
        query[i] = (float)((int)((i * 5 + 1) % 17) - 8) / 4.0f;
    me_error err;
    me_collection_options co = {.dimension = DIM, .vectors_only = true};
    me_collection_info *info = me_create_collection(c, "c-integration", &co, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && info->dimension == DIM && strcmp(info->model, "") == 0);
    me_collection_info_free(info);

    const char *ids[3] = {"d0", "d1", "d2"};
    me_metadata meta = {"kind", "vectors"};
    me_document documents[3];
    for (int i = 0; i < 3; i++)
        documents[i] = (me_document){.id = ids[i], .content = me_source_vectors(docs[i], counts[i], DIM),
                                     .metadata = &meta, .n_metadata = 1};
    me_upsert_result up;
    CHECK(me_upsert(c, "c-integration", documents, 3, NULL, &up, &err) == ME_OK && up.upserted == 3);

    me_source q = me_source_vectors(query, 2, DIM);
    me_source sources[3];
    float want[3];
    for (int i = 0; i < 3; i++) {
        sources[i] = documents[i].content;
        want[i] = maxsim(query, 2, docs[i], counts[i], DIM);
    }
    me_scores *scores = me_score(c, &q, sources, 3, NULL, &err);
    CHECK_CODE(err, ME_OK);
    for (int i = 0; scores != NULL && i < 3; i++)
        CHECK_FLOAT(scores->scores[i], want[i], 1e-5);
    me_scores_free(scores);

    me_search_result *hits = me_search(c, "c-integration", &q, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 3);
    for (size_t i = 0; hits != NULL && i < hits->count; i++) {
        int doc = hits->hits[i].id[1] - '0';
        CHECK_FLOAT(hits->hits[i].score, want[doc], 1e-5);
        CHECK(i == 0 || hits->hits[i - 1].score >= hits->hits[i].score);
        CHECK(hits->hits[i].n_metadata == 1 && strcmp(hits->hits[i].metadata[0].value, "vectors") == 0);
    }
    printf("late interaction: %zu hits, best %s %.4f\n", hits ? hits->count : 0,
           hits && hits->count ? hits->hits[0].id : "-", hits && hits->count ? hits->hits[0].score : 0.0);
    me_search_result_free(hits);

    me_documents *got = me_get(c, "c-integration", ids + 1, 1, true, NULL, &err);
    CHECK(got != NULL && got->count == 1 && got->documents[0].count == counts[1]);
    if (got != NULL && got->count == 1 && got->documents[0].vectors != NULL) /* stored normalised */
        CHECK_FLOAT(me_cosine(got->documents[0].vectors, docs[1], DIM), 1.0, 1e-6);
    me_documents_free(got);

    uint32_t deleted = 0;
    CHECK(me_delete(c, "c-integration", ids, 1, NULL, &deleted, &err) == ME_OK && deleted == 1);
    static const float narrow[4] = {1, 0, 0, 1};
    me_document wrong = {.id = "w", .content = me_source_vectors(narrow, 2, 2)};
    CHECK(me_upsert(c, "c-integration", &wrong, 1, NULL, NULL, &err) == ME_FAILED_PRECONDITION);
    CHECK(me_drop_collection(c, "c-integration", NULL, &err) == ME_OK);
    CHECK(me_search(c, "c-integration", &q, NULL, &err) == NULL);
    CHECK_CODE(err, ME_NOT_FOUND);
}

/* ---- dense collections, hybrid search, pooled vectors and metadata filters ---- */

enum { N_NEWS = 4 };
static const char *const news_ids[N_NEWS] = {"rain", "sun", "rates", "goal"};
static const char *const news_texts[N_NEWS] = {
    "heavy rain is expected across the north tomorrow",
    "a sunny and dry weekend for most of the country",
    "interest rates rose again as inflation stayed high",
    "the striker scored twice in the second half",
};
static const char *const news_topics[N_NEWS] = {"weather", "weather", "money", "sport"};
static const char *const rain_query = "will it rain tomorrow";

/* The exact float32 values of the conformance cases: ((i*7 + seed*13) % 97 - 48) / 32. */
static void seeded(float *out, size_t n, long seed)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((long)((i * 7 + (size_t)seed * 13) % 97) - 48) / 32.0f;
}

static float dot(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d += (double)a[i] * b[i];
    return (float)d;
}

static float norm(const float *a, size_t n)
{
    return sqrtf(dot(a, a, n));
}

/* The server's pooled embeddings of the news texts and the rain query (me_embed: the same model,
 * no prompts, so they are what an upsert and a search compute). */
static me_result *embed_news(me_client *c)
{
    const char *all[N_NEWS + 1];
    for (size_t i = 0; i < N_NEWS; i++)
        all[i] = news_texts[i];
    all[N_NEWS] = rain_query;
    me_error err;
    me_result *r = me_embed_texts(c, all, N_NEWS + 1, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(r != NULL && r->count == N_NEWS + 1 && r->failed == 0);
    return r;
}

static int news_index(const char *id)
{
    for (int i = 0; i < N_NEWS; i++)
        if (strcmp(id, news_ids[i]) == 0)
            return i;
    return -1;
}

static void fill_news(me_document *docs, me_metadata *meta)
{
    for (size_t i = 0; i < N_NEWS; i++) {
        meta[i] = (me_metadata){"topic", news_topics[i]};
        docs[i] = (me_document){.id = news_ids[i], .content = me_source_text(news_texts[i]),
                                .metadata = &meta[i], .n_metadata = 1};
    }
}

/* Hits best first, each id once, `first` (if not NULL) on top. */
static void check_order(const me_search_result *hits, const char *first, const char *what)
{
    CHECK(hits != NULL && hits->count > 0);
    if (hits == NULL || hits->count == 0)
        return;
    printf("%-34s", what);
    for (size_t i = 0; i < hits->count; i++)
        printf(" %s %.4f", hits->hits[i].id, hits->hits[i].score);
    printf("\n");
    for (size_t i = 1; i < hits->count; i++)
        CHECK(hits->hits[i - 1].score >= hits->hits[i].score);
    if (first != NULL && strcmp(hits->hits[0].id, first) != 0) {
        CHECK(!"the expected document ranks first");
        fprintf(stderr, "  expected %s first, got %s\n", first, hits->hits[0].id);
    }
}

static void dense_collection(me_client *c, const me_result *emb, uint32_t dim)
{
    const char *name = "c-integration-dense";
    const float *q = emb->embeddings[N_NEWS].pooled;
    me_error err;
    me_collection_options dense = {.kind = ME_COLLECTION_DENSE};
    me_collection_info *info = me_create_collection(c, name, &dense, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && info->kind == ME_COLLECTION_DENSE && info->dimension == dim);
    me_collection_info_free(info);
    me_collection_options dense_binary = {.kind = ME_COLLECTION_DENSE, .precision = ME_PRECISION_BINARY};
    CHECK(me_create_collection(c, "c-integration-dense2", &dense_binary, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);

    /* Four texts (the server stores their pooled embeddings) and one document that is only a
     * pooled vector, not normalised. */
    static float given[MAX_DIM];
    seeded(given, dim, 3);
    me_document docs[N_NEWS + 1];
    me_metadata meta[N_NEWS + 1];
    fill_news(docs, meta);
    meta[N_NEWS] = (me_metadata){"topic", "given"};
    docs[N_NEWS] = (me_document){.id = "given", .metadata = &meta[N_NEWS], .n_metadata = 1,
                                 .pooled = given, .pooled_dimension = dim};
    me_upsert_result up;
    CHECK(me_upsert(c, name, docs, N_NEWS + 1, NULL, &up, &err) == ME_OK && up.upserted == N_NEWS + 1);
    CHECK_CODE(err, ME_OK);

    /* Cosine: rain first; each score is the cosine of the embeddings. */
    me_source query = me_source_text(rain_query);
    me_search_options cosine = {.top_k = 3};
    me_search_result *hits = me_search(c, name, &query, &cosine, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 3);
    check_order(hits, "rain", "dense cosine:");
    for (size_t i = 0; hits != NULL && i < hits->count; i++) {
        int k = news_index(hits->hits[i].id);
        const float *d = k >= 0 ? emb->embeddings[k].pooled : given;
        CHECK_FLOAT(hits->hits[i].score, me_cosine(q, d, dim), 1e-5);
    }
    me_search_result_free(hits);

    /* Dot: the normalised query against each pooled vector as stored. */
    me_search_options dot_opts = {.top_k = 5, .mode = ME_SEARCH_DENSE, .metric = ME_METRIC_DOT};
    hits = me_search(c, name, &query, &dot_opts, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 5);
    float qn = norm(q, dim);
    float best = -INFINITY;
    const char *best_id = NULL;
    for (int k = 0; k <= N_NEWS; k++) {
        float want = dot(q, k < N_NEWS ? emb->embeddings[k].pooled : given, dim) / qn;
        if (want > best) {
            best = want;
            best_id = k < N_NEWS ? news_ids[k] : "given";
        }
    }
    check_order(hits, best_id, "dense dot:");
    for (size_t i = 0; hits != NULL && i < hits->count; i++) {
        int k = news_index(hits->hits[i].id);
        const float *d = k >= 0 ? emb->embeddings[k].pooled : given;
        CHECK_FLOAT(hits->hits[i].score, dot(q, d, dim) / qn, 1e-4);
    }
    me_search_result_free(hits);

    /* A metadata filter keeps only the weather documents, whatever the query says. */
    me_source football = me_source_text("football");
    const me_metadata weather = {"topic", "weather"};
    me_search_options filtered = {.filter_metadata = &weather, .n_filter_metadata = 1};
    hits = me_search(c, name, &football, &filtered, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2);
    for (size_t i = 0; hits != NULL && i < hits->count; i++)
        CHECK(strcmp(hits->hits[i].id, "rain") == 0 || strcmp(hits->hits[i].id, "sun") == 0);
    me_search_result_free(hits);
    const me_metadata nobody = {"topic", "Weather"}; /* case-sensitive */
    filtered.filter_metadata = &nobody;
    hits = me_search(c, name, &football, &filtered, &err);
    CHECK(hits != NULL && hits->count == 0);
    me_search_result_free(hits);

    /* No query, only its pooled vector: the given document is its own best match. */
    me_search_options by_vector = {.top_k = 1, .query_pooled = given, .query_pooled_dimension = dim};
    hits = me_search(c, name, NULL, &by_vector, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 1);
    check_order(hits, "given", "dense query_pooled:");
    if (hits != NULL && hits->count == 1)
        CHECK_FLOAT(hits->hits[0].score, 1.0, 1e-5);
    me_search_result_free(hits);

    /* Get: the given vector exactly as stored, the text's pooled embedding, no token vectors. */
    const char *ids[2] = {"given", "rain"};
    me_documents *got = me_get(c, name, ids, 2, true, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(got != NULL && got->count == 2);
    if (got != NULL && got->count == 2) {
        const me_stored_document *g = &got->documents[0], *r = &got->documents[1];
        CHECK(g->pooled != NULL && g->pooled_dimension == dim &&
              memcmp(g->pooled, given, dim * sizeof(float)) == 0);
        CHECK(g->vectors == NULL && r->vectors == NULL);
        CHECK(r->pooled != NULL && r->pooled_dimension == dim);
        if (r->pooled != NULL && r->pooled_dimension == dim)
            CHECK_FLOAT(me_cosine(r->pooled, emb->embeddings[0].pooled, dim), 1.0, 1e-6);
        CHECK(r->n_metadata == 1 && strcmp(r->metadata[0].value, "weather") == 0);
    }
    me_documents_free(got);
    got = me_get(c, name, ids, 1, false, NULL, &err);
    CHECK(got != NULL && got->count == 1 && got->documents[0].pooled == NULL);
    me_documents_free(got);

    /* What a dense collection refuses. */
    me_search_options maxsim = {.mode = ME_SEARCH_MAXSIM};
    CHECK(me_search(c, name, &query, &maxsim, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_document short_pooled = {.id = "short", .pooled = given, .pooled_dimension = 8};
    CHECK(me_upsert(c, name, &short_pooled, 1, NULL, NULL, &err) == ME_FAILED_PRECONDITION);
    me_document as_vectors = {.id = "v", .content = me_source_vectors(given, 1, dim)};
    CHECK(me_upsert(c, name, &as_vectors, 1, NULL, NULL, &err) == ME_INVALID_ARGUMENT);
    me_search_options short_query = {.query_pooled = given, .query_pooled_dimension = 8};
    CHECK(me_search(c, name, NULL, &short_query, &err) == NULL);
    CHECK_CODE(err, ME_FAILED_PRECONDITION);
    CHECK(me_drop_collection(c, name, NULL, &err) == ME_OK);
}

static void multi_vector_collection(me_client *c, const me_result *emb, uint32_t dim)
{
    const char *name = "c-integration-mv";
    const float *q = emb->embeddings[N_NEWS].pooled;
    me_error err;
    me_collection_info *info = me_create_collection(c, name, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && info->kind == ME_COLLECTION_MULTI_VECTOR);
    me_collection_info_free(info);
    me_document docs[N_NEWS];
    me_metadata meta[N_NEWS];
    fill_news(docs, meta);
    CHECK(me_upsert(c, name, docs, N_NEWS, NULL, NULL, &err) == ME_OK);

    /* Hybrid: two dense candidates re-ranked by MaxSim; the scores are MaxSim scores. */
    me_source query = me_source_text(rain_query);
    me_search_options hybrid = {.top_k = 2, .mode = ME_SEARCH_HYBRID, .candidates = 2};
    me_search_result *hits = me_search(c, name, &query, &hybrid, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2);
    check_order(hits, "rain", "hybrid (candidates 2):");
    me_search_result *maxsim = me_search(c, name, &query, NULL, &err);
    CHECK(maxsim != NULL && maxsim->count == N_NEWS);
    for (size_t i = 0; hits != NULL && maxsim != NULL && i < hits->count; i++)
        for (size_t k = 0; k < maxsim->count; k++)
            if (strcmp(maxsim->hits[k].id, hits->hits[i].id) == 0)
                CHECK(maxsim->hits[k].score == hits->hits[i].score);
    me_search_result_free(maxsim);
    me_search_result_free(hits);

    /* Dense search of a multi-vector collection: the pooled embeddings stored at upsert. */
    me_search_options dense = {.mode = ME_SEARCH_DENSE};
    hits = me_search(c, name, &query, &dense, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == N_NEWS);
    check_order(hits, "rain", "multi-vector, dense:");
    for (size_t i = 0; hits != NULL && i < hits->count; i++) {
        int k = news_index(hits->hits[i].id);
        CHECK(k >= 0);
        if (k >= 0)
            CHECK_FLOAT(hits->hits[i].score, me_cosine(q, emb->embeddings[k].pooled, dim), 1e-5);
    }
    me_search_result_free(hits);

    /* Metadata and id filters together. */
    const me_metadata money = {"topic", "money"};
    const char *some[2] = {"rates", "goal"};
    me_source money_query = me_source_text("money");
    me_search_options both = {.filter_metadata = &money, .n_filter_metadata = 1,
                              .filter_ids = some, .n_filter_ids = 2};
    hits = me_search(c, name, &money_query, &both, &err);
    CHECK(hits != NULL && hits->count == 1 && strcmp(hits->hits[0].id, "rates") == 0);
    me_search_result_free(hits);

    /* Get: token vectors and the pooled embedding. */
    const char *sun = "sun";
    me_documents *got = me_get(c, name, &sun, 1, true, NULL, &err);
    CHECK(got != NULL && got->count == 1);
    if (got != NULL && got->count == 1) {
        const me_stored_document *d = &got->documents[0];
        CHECK(d->vectors != NULL && d->count > 1 && d->dimension == dim);
        CHECK(d->pooled != NULL && d->pooled_dimension == dim);
        if (d->pooled != NULL && d->pooled_dimension == dim)
            CHECK_FLOAT(me_cosine(d->pooled, emb->embeddings[1].pooled, dim), 1.0, 1e-6);
    }
    me_documents_free(got);

    /* A document of vectors without a pooled vector: dense and hybrid fail until it has one. */
    static float bare[2 * MAX_DIM], bare_pooled[MAX_DIM];
    seeded(bare, 2 * (size_t)dim, 5);
    seeded(bare_pooled, dim, 6);
    me_document no_pooled = {.id = "bare", .content = me_source_vectors(bare, 2, dim)};
    CHECK(me_upsert(c, name, &no_pooled, 1, NULL, NULL, &err) == ME_OK);
    CHECK(me_search(c, name, &query, &dense, &err) == NULL);
    CHECK_CODE(err, ME_FAILED_PRECONDITION);
    printf("dense search, a document without pooled: %s: %s\n", me_code_name(err.code), err.message);
    CHECK(me_search(c, name, &query, &hybrid, &err) == NULL);
    CHECK_CODE(err, ME_FAILED_PRECONDITION);
    hits = me_search(c, name, &query, NULL, &err); /* MaxSim needs no pooled vectors */
    CHECK(hits != NULL && hits->count == N_NEWS + 1);
    me_search_result_free(hits);
    me_document with_pooled = no_pooled;
    with_pooled.pooled = bare_pooled;
    with_pooled.pooled_dimension = dim;
    CHECK(me_upsert(c, name, &with_pooled, 1, NULL, NULL, &err) == ME_OK);
    hits = me_search(c, name, &query, &dense, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == N_NEWS + 1);
    me_search_result_free(hits);

    /* Hybrid of a vectors query needs its pooled vector. */
    me_source vectors_query = me_source_vectors(bare, 2, dim);
    CHECK(me_search(c, name, &vectors_query, &hybrid, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_search_options hybrid_pooled = hybrid;
    hybrid_pooled.query_pooled = bare_pooled;
    hybrid_pooled.query_pooled_dimension = dim;
    hits = me_search(c, name, &vectors_query, &hybrid_pooled, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2);
    check_order(hits, "bare", "hybrid, vectors + query_pooled:");
    me_search_result_free(hits);
    CHECK(me_drop_collection(c, name, NULL, &err) == ME_OK);
}

static void dense_and_hybrid(me_client *c, uint32_t dim)
{
    me_result *emb = embed_news(c);
    if (emb != NULL && emb->count == N_NEWS + 1 && dim > 8 && dim <= MAX_DIM) {
        dense_collection(c, emb, dim);
        multi_vector_collection(c, emb, dim);
    }
    me_result_free(emb);
}

/* The whole file in a malloc'd buffer (NULL on failure). */
static uint8_t *read_bytes(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static bool has_match(const me_hit *h, const char *word)
{
    for (size_t k = 0; k < h->n_matches; k++)
        if (strcmp(h->matches[k].word.text, word) == 0)
            return true;
    return false;
}

/* Pages: a PDF page's own words, a page image by OCR, a whole PDF upserted as one document per
 * page, its text layer read back, and the words a search matched. */
static void pages(me_client *c, const char *dir)
{
    size_t pdf_len = 0, png_len = 0;
    uint8_t *pdf = read_bytes(dir, "report.pdf", &pdf_len);
    uint8_t *png = read_bytes(dir, "d1.png", &png_len);
    CHECK(pdf != NULL && png != NULL);
    if (pdf == NULL || png == NULL) {
        free(pdf);
        free(png);
        return;
    }
    me_error err;
    me_input in[2] = {me_page_pdf(pdf, pdf_len, 1, "report.pdf"),
                      me_page_image(png, png_len, "d1.png")};
    me_embed_options both = {.output = ME_OUTPUT_BOTH};
    me_result *r = me_embed(c, in, 2, &both, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(r != NULL && r->failed == 0);
    if (r != NULL && r->failed == 0) {
        const me_page_text *a = r->embeddings[0].page_text, *b = r->embeddings[1].page_text;
        CHECK(a != NULL && b != NULL);
        if (a != NULL) {
            printf("pdf page 1: %s, %zu words, dpi %u: %s\n", a->source, a->n_words, a->dpi,
                   a->text);
            CHECK(strcmp(a->source, "pdf") == 0 && a->n_words == 7);
            CHECK(a->n_words > 0 && strcmp(a->words[0].text, "Quarterly") == 0);
            CHECK(a->n_words > 0 && a->words[0].confidence == -1.0f && a->words[0].width > 0);
            CHECK(r->embeddings[0].pooled != NULL && r->embeddings[0].multi_vector != NULL);
        }
        if (b != NULL) {
            printf("page image: %s, %zu words, note \"%s\"\n", b->source, b->n_words, b->note);
            CHECK(strcmp(b->source, "ocr") == 0 && strstr(b->text, "shutdown") != NULL);
            CHECK(b->n_words > 0 && b->words[0].confidence >= 0.0f);
        }
    }
    me_result_free(r);

    me_collection_info *col = me_create_collection(c, "c-pages", NULL, &err);
    CHECK_CODE(err, ME_OK);
    me_collection_info_free(col);
    me_document doc = {.id = "report",
                       .content = me_source_input(me_page_pdf(pdf, pdf_len, 0, "report.pdf"))};
    me_upsert_result up;
    CHECK(me_upsert(c, "c-pages", &doc, 1, NULL, &up, &err) == ME_OK);
    CHECK(up.upserted == 2);

    const char *ids[2] = {"report#1", "report#2"};
    me_documents *docs = me_get(c, "c-pages", ids, 2, false, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(docs != NULL && docs->count == 2);
    for (size_t i = 0; docs != NULL && i < docs->count; i++) {
        const me_page_text *t = docs->documents[i].page_text;
        CHECK(strcmp(docs->documents[i].id, ids[i]) == 0);
        CHECK(t != NULL && strcmp(t->source, "pdf") == 0 && t->n_words > 0);
    }
    if (docs != NULL && docs->count == 2 && docs->documents[0].page_text != NULL)
        CHECK(docs->documents[0].page_text->n_words == 7);
    me_documents_free(docs);

    me_source query = me_source_text("revenue by region");
    me_search_options so = {.include_matches = true};
    me_search_result *hits = me_search(c, "c-pages", &query, &so, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(hits != NULL && hits->count == 2);
    if (hits != NULL && hits->count >= 1) {
        const me_hit *h = &hits->hits[0];
        printf("search \"revenue by region\": %s first, %zu matched words:", h->id, h->n_matches);
        for (size_t k = 0; k < h->n_matches; k++)
            printf(" %s", h->matches[k].word.text);
        printf("\n");
        CHECK(strcmp(h->id, "report#1") == 0);
        CHECK(has_match(h, "revenue") && has_match(h, "region"));
        for (size_t k = 0; k < h->n_matches; k++)
            CHECK(h->matches[k].n_query_vectors > 0 && h->matches[k].word.width > 0);
    }
    me_search_result_free(hits);
    CHECK(me_drop_collection(c, "c-pages", NULL, &err) == ME_OK);
    free(pdf);
    free(png);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: integration HOST PORT TEXTS EXPECTED_JSONL PAGES_DIR\n");
        return 2;
    }
    CHECK(read_texts(argv[3]));
    CHECK(read_expected(argv[4]));
    me_options o;
    me_options_init(&o);
    o.call_timeout_ms = 120000;
    me_error err;
    me_client *c = me_connect(argv[1], (uint16_t)atoi(argv[2]), &o, &err);
    CHECK_CODE(err, ME_OK);
    if (c == NULL)
        return 1;

    me_health_status h;
    CHECK(me_health(c, &h, &err) == ME_OK);
    CHECK(h.status == ME_SERVING_STATUS_SERVING);

    me_server_info *info = me_info(c, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL && info->n_models >= 1);
    if (info != NULL && info->n_models >= 1) {
        printf("server %s, model %s (%s, dimension %u)\n", info->version, info->models[0].name,
               info->models[0].architecture, info->models[0].dimension);
        CHECK(info->models[0].dimension == expected_dim[0]);
        const me_limits *l = &info->limits;
        printf("limits: max_response_bytes %llu, per address %u, unread answer bytes %llu, "
               "idle %u ms, failed authentications %u\n",
               (unsigned long long)l->max_response_bytes, l->max_connections_per_address,
               (unsigned long long)l->max_answer_bytes_per_connection, l->idle_timeout_ms,
               l->max_failed_authentications);
        CHECK(l->max_response_bytes > 0 && l->max_answer_bytes_per_connection > 0);
        CHECK(l->max_failed_authentications > 0);
        CHECK(l->max_in_flight_per_connection == 256 && l->frame_timeout_ms == 30000);
    }

    me_result *r = me_embed_texts(c, (const char *const *)texts, n_texts, NULL, &err);
    CHECK_CODE(err, ME_OK);
    compare(r, 1e-6, "float32");
    me_result_free(r);

    me_embed_options f16 = {.encoding = ME_ENCODING_FLOAT16};
    r = me_embed_texts(c, (const char *const *)texts, n_texts, &f16, &err);
    CHECK_CODE(err, ME_OK);
    compare(r, 1.0 / 2048, "float16"); /* half a unit in the last place of values below 1 */
    me_result_free(r);

    me_embed_options i8 = {.encoding = ME_ENCODING_INT8};
    r = me_embed_texts(c, (const char *const *)texts, n_texts, &i8, &err);
    CHECK_CODE(err, ME_OK);
    compare(r, 1.0 / 254 + 1e-6, "int8"); /* half a step of max|x| / 127, max|x| <= 1 */
    me_result_free(r);

    me_embed_options bin = {.encoding = ME_ENCODING_BINARY};
    r = me_embed_texts(c, (const char *const *)texts, n_texts, &bin, &err);
    CHECK_CODE(err, ME_OK);
    size_t mismatched = 0;
    for (size_t i = 0; r != NULL && i < r->count; i++)
        for (size_t k = 0; r->embeddings[i].pooled != NULL && k < r->embeddings[i].dimension; k++)
            mismatched += r->embeddings[i].pooled[k] != (expected[i][k] > 0 ? 1.0f : -1.0f);
    printf("%-34s %zu sign bits differ\n", "binary", mismatched);
    CHECK(r != NULL && mismatched == 0);
    me_result_free(r);

    /* Errors the server reports: an unknown model; an over-long text with TRUNCATE_ERROR. */
    me_embed_options unknown = {.model = "no-such-model"};
    r = me_embed_texts(c, (const char *const *)texts, 1, &unknown, &err);
    CHECK(r == NULL);
    CHECK_CODE(err, ME_NOT_FOUND);
    printf("unknown model: %s: %s\n", me_code_name(err.code), err.message);

    static char long_text[20000];
    for (size_t i = 0; i + 2 < sizeof long_text; i += 2)
        memcpy(long_text + i, "a ", 2);
    const char *two[2] = {"fine", long_text};
    me_embed_options strict = {.truncate = ME_TRUNCATE_ERROR};
    r = me_embed_texts(c, two, 2, &strict, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(r != NULL && r->failed == 1 && r->embeddings[0].error_code == ME_OK &&
          r->embeddings[1].error_code == ME_INVALID_ARGUMENT);
    if (r != NULL && r->embeddings[1].error_message != NULL)
        printf("over-long text: %s\n", r->embeddings[1].error_message);
    me_result_free(r);

    late_interaction(c);
    if (info != NULL && info->n_models >= 1)
        dense_and_hybrid(c, info->models[0].dimension);
    pages(c, argv[5]);

    me_info_free(info);
    me_close(c);
    for (size_t i = 0; i < n_texts; i++)
        free(texts[i]);
    int failures = atomic_load(&check_failures);
    printf("integration: %s (%d failed checks)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
