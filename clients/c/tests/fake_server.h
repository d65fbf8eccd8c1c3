/* fake_server.h - a scripted MultiEmbed server on 127.0.0.1, in a thread of the test.
 *
 * A test starts it with a handler that owns the listening socket: it accepts connections,
 * reads Requests and writes whatever bytes the scenario needs (good Responses, errors, garbage,
 * truncated frames). Every wait has a timeout, so a broken client cannot hang the tests. */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiembed/v1/envelope.pb-c.h"

typedef void (*fs_handler)(int listen_fd, void *ctx);

typedef struct fake_server {
    int listen_fd;
    uint16_t port;
    pthread_t thread;
    fs_handler handler;
    void *ctx;
} fake_server;

/* Binds 127.0.0.1 port 0 and runs handler(listen_fd, ctx) in a new thread. */
bool fs_start(fake_server *s, fs_handler handler, void *ctx);
/* Waits for the handler to return, then closes the listening socket. */
void fs_stop(fake_server *s);

/* Accepts one connection within 5 s; -1 on timeout. */
int fs_accept(int listen_fd);
/* Reads one framed Request within 5 s; NULL on end of stream, timeout or undecodable bytes.
 * Free with multiembed__v1__request__free_unpacked. */
Multiembed__V1__Request *fs_read_request(int fd);
/* Reads one raw frame (prefix excluded) into a malloc'd buffer; NULL on failure. */
uint8_t *fs_read_frame(int fd, size_t *len);
/* Writes a Response as one frame. */
bool fs_send_response(int fd, const Multiembed__V1__Response *resp);
/* Writes raw bytes. */
bool fs_send_raw(int fd, const void *buf, size_t len);
/* Reads until the peer closes (true) or 5 s pass (false). */
bool fs_wait_closed(int fd);

/* Little-endian float32 bytes of values, in a static-free malloc'd buffer. */
uint8_t *fs_floats_le(const float *values, size_t n);



/* One Embedding of a canned EmbedResponse: the encoded bytes exactly as given (so a test can
 * send sizes that lie). */
typedef struct fs_embedding {
    uint32_t index;
    bool truncated;
    bool has_pooled;
    uint32_t dimension;
    const uint8_t *pooled;
    size_t pooled_len;
    float scale;
    bool has_multi;
    uint32_t count, token_dimension;
    const uint8_t *multi;
    size_t multi_len;
    const float *scales;
    size_t n_scales;
} fs_embedding;

/* Sends Response{id, status (may be NULL), embed{embeddings, usage{tokens..}, model}}. */
bool fs_send_embed(int fd, uint64_t id, const fs_embedding *embeddings, size_t n,
                   Multiembed__V1__Status *status, const char *model, uint64_t tokens);

/* Sends Response{id, status{code, message}} with no body. */
bool fs_send_status(int fd, uint64_t id, int code, const char *message);
#endif
