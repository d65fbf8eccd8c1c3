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

    me_info_free(info);
    me_close(c);
    for (size_t i = 0; i < n_texts; i++)
        free(texts[i]);
    int failures = atomic_load(&check_failures);
    printf("integration: %s (%d failed checks)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
