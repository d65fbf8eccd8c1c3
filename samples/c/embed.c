/*
 * embed.c - embeds the texts and images named on its command line with a running MultiEmbed
 * server and prints their pairwise cosine similarities.
 *
 *   embed [--host HOST] [--port PORT] [--model NAME] [--api-key KEY] INPUT...
 *
 * An INPUT that names an existing .png/.jpg/.jpeg file is sent as an image, anything else as a
 * text. Texts and images land in one space only with a model that takes both (CLIP); a text
 * model such as all-MiniLM-L6-v2 fails image inputs one by one, which is reported and skipped.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multiembed.h"

static bool is_image_path(const char *arg)
{
    const char *dot = strrchr(arg, '.');
    if (dot == NULL || (strcasecmp(dot, ".png") != 0 && strcasecmp(dot, ".jpg") != 0 &&
                        strcasecmp(dot, ".jpeg") != 0))
        return false;
    FILE *f = fopen(arg, "rb");
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

/* Reads a whole file into a malloc'd buffer (caller frees); NULL on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int usage(void)
{
    fprintf(stderr, "usage: embed [--host HOST] [--port PORT] [--model NAME] [--api-key KEY] "
                    "INPUT...\n  INPUT: a text, or a .png/.jpg/.jpeg file\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *model = NULL, *api_key = NULL;
    unsigned long port = 7878; /* multiembed serve's default */
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (first + 1 >= argc)
            return usage();
        if (strcmp(argv[first], "--host") == 0)
            host = argv[first + 1];
        else if (strcmp(argv[first], "--port") == 0)
            port = strtoul(argv[first + 1], NULL, 10);
        else if (strcmp(argv[first], "--model") == 0)
            model = argv[first + 1];
        else if (strcmp(argv[first], "--api-key") == 0)
            api_key = argv[first + 1];
        else
            return usage();
    }
    size_t n = (size_t)(argc - first);
    if (n == 0 || port == 0 || port > 65535)
        return usage();

    me_input *inputs = calloc(n, sizeof *inputs);
    uint8_t **files = calloc(n, sizeof *files);
    if (inputs == NULL || files == NULL)
        return 1;
    for (size_t i = 0; i < n; i++) {
        const char *arg = argv[first + (int)i];
        if (is_image_path(arg)) {
            size_t len = 0;
            files[i] = read_file(arg, &len);
            if (files[i] == NULL) {
                fprintf(stderr, "embed: cannot read %s\n", arg);
                return 1;
            }
            inputs[i] = me_image(files[i], len, arg);
        } else {
            inputs[i] = me_text(arg);
        }
    }

    me_options opts;
    me_options_init(&opts);
    opts.api_key = api_key;
    opts.call_timeout_ms = 60000;
    me_error err;
    me_client *client = me_connect(host, (uint16_t)port, &opts, &err);
    if (client == NULL) {
        fprintf(stderr, "embed: %s: %s\n", me_code_name(err.code), err.message);
        return 1;
    }
    me_embed_options eo = {.model = model};
    me_result *res = me_embed(client, inputs, n, &eo, &err);
    me_close(client);
    if (res == NULL) {
        fprintf(stderr, "embed: %s: %s\n", me_code_name(err.code), err.message);
        return 1;
    }

    printf("model %s, %llu tokens, %llu patches\n", res->model,
           (unsigned long long)res->usage.tokens, (unsigned long long)res->usage.patches);
    for (size_t i = 0; i < n; i++) {
        const me_embedding *e = &res->embeddings[i];
        if (e->error_code != ME_OK)
            printf("[%zu] %s: %s: %s (skipped)\n", i, argv[first + (int)i],
                   me_code_name(e->error_code), e->error_message);
        else
            printf("[%zu] %s (%u dimensions)\n", i, argv[first + (int)i], e->dimension);
    }
    printf("cosine similarities:\n");
    for (size_t i = 0; i < n; i++) {
        printf("[%zu]", i);
        for (size_t j = 0; j < n; j++) {
            const me_embedding *a = &res->embeddings[i], *b = &res->embeddings[j];
            if (a->pooled == NULL || b->pooled == NULL || a->dimension != b->dimension)
                printf("       -");
            else
                printf(" %7.4f", me_cosine(a->pooled, b->pooled, a->dimension));
        }
        printf("\n");
    }
    int status = res->failed == n ? 1 : 0;
    me_result_free(res);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    free(inputs);
    return status;
}
