/* integration.c - the C client against a real `multiembed serve` (see integration.sh):
 *   integration HOST PORT TEXTS_FILE EXPECTED_JSONL
 * EXPECTED_JSONL is `multiembed embed --texts TEXTS_FILE` output, the in-process reference. */
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

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: integration HOST PORT TEXTS EXPECTED_JSONL\n");
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

    me_info_free(info);
    me_close(c);
    for (size_t i = 0; i < n_texts; i++)
        free(texts[i]);
    int failures = atomic_load(&check_failures);
    printf("integration: %s (%d failed checks)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
