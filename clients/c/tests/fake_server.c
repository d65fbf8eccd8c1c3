/* fake_server.c - see fake_server.h. */
#define _POSIX_C_SOURCE 200809L

#include "fake_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static void *thread_main(void *arg)
{
    fake_server *s = arg;
    s->handler(s->listen_fd, s->ctx);
    return NULL;
}

bool fs_start(fake_server *s, fs_handler handler, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->handler = handler;
    s->ctx = ctx;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->listen_fd < 0)
        return false;
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(s->listen_fd, 8) < 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) < 0) {
        close(s->listen_fd);
        return false;
    }
    s->port = ntohs(addr.sin_port);
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0) {
        close(s->listen_fd);
        return false;
    }
    return true;
}

void fs_stop(fake_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

int fs_accept(int listen_fd)
{
    struct pollfd p = {.fd = listen_fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 5000) <= 0)
        return -1;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    return fd;
}

static bool read_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = recv(fd, buf + got, len - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

uint8_t *fs_read_frame(int fd, size_t *len)
{
    uint8_t prefix[4];
    if (!read_exact(fd, prefix, 4))
        return NULL;
    size_t n = (size_t)prefix[0] << 24 | (size_t)prefix[1] << 16 | (size_t)prefix[2] << 8 |
               prefix[3];
    if (n > (64u << 20))
        return NULL;
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL || !read_exact(fd, buf, n)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

Multiembed__V1__Request *fs_read_request(int fd)
{
    size_t len = 0;
    uint8_t *buf = fs_read_frame(fd, &len);
    if (buf == NULL)
        return NULL;
    Multiembed__V1__Request *req = multiembed__v1__request__unpack(NULL, len, buf);
    free(buf);
    return req;
}

bool fs_send_raw(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

bool fs_send_response(int fd, const Multiembed__V1__Response *resp)
{
    size_t n = multiembed__v1__response__get_packed_size(resp);
    uint8_t *buf = malloc(4 + n);
    if (buf == NULL)
        return false;
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    multiembed__v1__response__pack(resp, buf + 4);
    bool ok = fs_send_raw(fd, buf, 4 + n);
    free(buf);
    return ok;
}

bool fs_wait_closed(int fd)
{
    uint8_t buf[256];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r == 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

uint8_t *fs_floats_le(const float *values, size_t n)
{
    uint8_t *out = malloc(n * 4 + 1);
    for (size_t i = 0; out != NULL && i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; b++)
            out[4 * i + (size_t)b] = (uint8_t)(bits >> (8 * b));
    }
    return out;
}

bool fs_send_embed(int fd, uint64_t id, const fs_embedding *specs, size_t n,
                   Multiembed__V1__Status *status, const char *model, uint64_t tokens)
{
    Multiembed__V1__Embedding *embs = calloc(n + 1, sizeof *embs);
    Multiembed__V1__Embedding **ptrs = calloc(n + 1, sizeof *ptrs);
    Multiembed__V1__Vector *vecs = calloc(n + 1, sizeof *vecs);
    Multiembed__V1__MultiVector *mvs = calloc(n + 1, sizeof *mvs);
    bool ok = embs && ptrs && vecs && mvs;
    for (size_t i = 0; ok && i < n; i++) {
        const fs_embedding *s = &specs[i];
        multiembed__v1__embedding__init(&embs[i]);
        embs[i].index = s->index;
        embs[i].truncated = s->truncated;
        if (s->has_pooled) {
            multiembed__v1__vector__init(&vecs[i]);
            vecs[i].dimension = s->dimension;
            vecs[i].data.data = (uint8_t *)s->pooled;
            vecs[i].data.len = s->pooled_len;
            vecs[i].scale = s->scale;
            embs[i].pooled = &vecs[i];
        }
        if (s->has_multi) {
            multiembed__v1__multi_vector__init(&mvs[i]);
            mvs[i].count = s->count;
            mvs[i].dimension = s->token_dimension;
            mvs[i].data.data = (uint8_t *)s->multi;
            mvs[i].data.len = s->multi_len;
            mvs[i].scales = (float *)s->scales;
            mvs[i].n_scales = s->n_scales;
            embs[i].multi_vector = &mvs[i];
        }
        ptrs[i] = &embs[i];
    }
    if (ok) {
        Multiembed__V1__Usage usage = MULTIEMBED__V1__USAGE__INIT;
        usage.tokens = tokens;
        usage.pixels = 11;
        usage.patches = 12;
        usage.queue_time_us = 13;
        usage.inference_time_us = 14;
        Multiembed__V1__EmbedResponse body = MULTIEMBED__V1__EMBED_RESPONSE__INIT;
        body.n_embeddings = n;
        body.embeddings = ptrs;
        body.usage = &usage;
        body.model = (char *)(model ? model : "");
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = id;
        resp.status = status;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_EMBED;
        resp.embed = &body;
        ok = fs_send_response(fd, &resp);
    }
    free(embs);
    free(ptrs);
    free(vecs);
    free(mvs);
    return ok;
}

bool fs_send_status(int fd, uint64_t id, int code, const char *message)
{
    Multiembed__V1__Status status = MULTIEMBED__V1__STATUS__INIT;
    status.code = (Multiembed__V1__Code)code;
    status.message = (char *)message;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = id;
    resp.status = &status;
    return fs_send_response(fd, &resp);
}
