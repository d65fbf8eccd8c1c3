/* Throughput of the C client: embeds a file of texts (one per line) against a running server in
 * batches, one handle per thread, and prints one line
 *   client=c texts=N batch=B threads=T seconds=S texts_per_s=R
 * Built and run by scripts/bench-clients. */
#include <multiembed.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *host;
    uint16_t port;
    char **texts;
    size_t count, batch, thread, threads;
    int failed;
} job;

static void *run(void *arg)
{
    job *j = arg;
    me_error err;
    me_client *c = me_connect(j->host, j->port, NULL, &err);
    if (c == NULL) {
        fprintf(stderr, "connect: %s\n", err.message);
        j->failed = 1;
        return NULL;
    }
    /* Batches are dealt round-robin to threads, so each thread keeps one request in flight. */
    for (size_t start = j->thread * j->batch; start < j->count; start += j->threads * j->batch) {
        size_t n = j->count - start < j->batch ? j->count - start : j->batch;
        me_result *r = me_embed_texts(c, (const char *const *)(j->texts + start), n, NULL, &err);
        if (r == NULL || r->failed) {
            fprintf(stderr, "embed: %s\n", r == NULL ? err.message : "an input failed");
            j->failed = 1;
        }
        me_result_free(r);
    }
    me_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT FILE BATCH THREADS\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[3], "r");
    if (f == NULL) { perror(argv[3]); return 1; }
    size_t cap = 1024, count = 0;
    char **texts = malloc(cap * sizeof *texts);
    char line[65536];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (count == cap) texts = realloc(texts, (cap *= 2) * sizeof *texts);
        texts[count++] = strdup(line);
    }
    fclose(f);
    size_t batch = (size_t)atoi(argv[4]), threads = (size_t)atoi(argv[5]);
    job jobs[64];
    pthread_t ids[64];
    if (threads < 1 || threads > 64 || batch < 1) return 2;
    for (int pass = 0; pass < 2; pass++) { /* warm-up pass, then the timed one */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (size_t t = 0; t < threads; t++) {
            jobs[t] = (job){argv[1], (uint16_t)atoi(argv[2]), texts, count, batch, t, threads, 0};
            pthread_create(&ids[t], NULL, run, &jobs[t]);
        }
        int failed = 0;
        for (size_t t = 0; t < threads; t++) { pthread_join(ids[t], NULL); failed |= jobs[t].failed; }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (failed) return 1;
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        if (pass == 1)
            printf("client=c texts=%zu batch=%zu threads=%zu seconds=%.3f texts_per_s=%.1f\n",
                   count, batch, threads, seconds, (double)count / seconds);
    }
    for (size_t i = 0; i < count; i++) free(texts[i]);
    free(texts);
    return 0;
}
