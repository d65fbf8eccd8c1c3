/*
 * client.c - the handle: connection management, one request/response exchange per call, and
 * the public entry points (connect, close, embed, info, health); late_interaction.c sends its
 * requests through me__call.
 *
 * A handle has at most one request in flight: it sends a Request with a fresh id and reads
 * frames until that id's Response arrives. Any failure that leaves the byte stream in an
 * unknown state (timeout, truncated or undecodable frame, an id-0 error after which the server
 * closes) closes the socket; the next call opens a new connection, which also cancels whatever
 * the server still had queued for the old one.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_RESPONSE_BYTES (256u << 20)

struct me_client {
    pthread_mutex_t lock; /* serialises calls on this handle */
    char *host;
    uint16_t port;
    me_options opts; /* opts.api_key points at api_key below */
    char *api_key;
    int fd;           /* -1 when not connected */
    bool used;        /* fd has carried a whole exchange (so the server may have dropped it) */
    uint64_t next_id; /* ids start at 1: 0 is the server's "unknown request" */
};

void me_options_init(me_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    opts->max_response_bytes = DEFAULT_MAX_RESPONSE_BYTES;
}

me_input me_text(const char *text)
{
    me_input in;
    memset(&in, 0, sizeof in);
    in.kind = ME_INPUT_TEXT;
    in.text = text;
    return in;
}

me_input me_image(const uint8_t *data, size_t len, const char *name)
{
    me_input in;
    memset(&in, 0, sizeof in);
    in.kind = ME_INPUT_IMAGE;
    in.image = data;
    in.image_len = len;
    in.image_name = name;
    return in;
}

me_input me_patches(uint32_t rows, uint32_t cols, uint32_t patch_size, uint32_t channels,
                    const float *data)
{
    me_input in;
    memset(&in, 0, sizeof in);
    in.kind = ME_INPUT_PATCHES;
    in.rows = rows;
    in.cols = cols;
    in.patch_size = patch_size;
    in.channels = channels;
    in.patches = data;
    return in;
}

me_input me_page_image(const uint8_t *data, size_t len, const char *name)
{
    me_input in;
    memset(&in, 0, sizeof in);
    in.kind = ME_INPUT_PAGE;
    in.page_format = ME_PAGE_IMAGE;
    in.page = data;
    in.page_len = len;
    in.page_name = name;
    return in;
}

me_input me_page_pdf(const uint8_t *data, size_t len, uint32_t page_number, const char *name)
{
    me_input in;
    memset(&in, 0, sizeof in);
    in.kind = ME_INPUT_PAGE;
    in.page_format = ME_PAGE_PDF;
    in.page = data;
    in.page_len = len;
    in.page_number = page_number;
    in.page_name = name;
    return in;
}

static void disconnect(me_client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static int64_t earlier(int64_t a, int64_t b) { return a < b ? a : b; }

static int ensure_connected(me_client *c, int64_t call_deadline, me_error *err)
{
    if (c->fd >= 0)
        return ME_OK;
    int64_t deadline = earlier(call_deadline, me__deadline_after(c->opts.connect_timeout_ms));
    c->used = false;
    return me__connect_tcp(c->host, c->port, deadline, &c->fd, err);
}

me_client *me_connect(const char *host, uint16_t port, const me_options *opts, me_error *err)
{
    if (host == NULL || *host == '\0') {
        me__fail(err, ME_INVALID_ARGUMENT, "no host given");
        return NULL;
    }
    me_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    c->fd = -1;
    me_options_init(&c->opts);
    if (opts != NULL) {
        if (opts->connect_timeout_ms != 0)
            c->opts.connect_timeout_ms = opts->connect_timeout_ms;
        if (opts->max_response_bytes != 0)
            c->opts.max_response_bytes = opts->max_response_bytes;
        c->opts.call_timeout_ms = opts->call_timeout_ms;
    }
    c->host = me__strdup(host);
    c->api_key = me__strdup(opts != NULL && opts->api_key != NULL ? opts->api_key : "");
    c->opts.api_key = c->api_key;
    c->port = port;
    c->next_id = 1;
    if (c->host == NULL || c->api_key == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->host);
        free(c->api_key);
        free(c);
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    if (me__valid_utf8(c->api_key) && ensure_connected(c, ME__NO_DEADLINE, err) != ME_OK) {
        me_close(c);
        return NULL;
    }
    if (!me__valid_utf8(c->api_key)) {
        me_close(c);
        me__fail(err, ME_INVALID_ARGUMENT, "api_key is not valid UTF-8");
        return NULL;
    }
    me__ok(err);
    return c;
}

void me_close(me_client *client)
{
    if (client == NULL)
        return;
    disconnect(client);
    pthread_mutex_destroy(&client->lock);
    free(client->host);
    free(client->api_key);
    free(client);
}

/* Fills err from a non-OK Status, adding the first input error when the message is empty. */
static int status_error(const Multiembed__V1__Status *s, me_error *err)
{
    int code = (int)s->code;
    const char *msg = s->message != NULL ? s->message : "";
    if (*msg == '\0' && s->n_input_errors > 0)
        return me__fail(err, code, "input %u: %s", s->input_errors[0]->index,
                        s->input_errors[0]->message);
    return me__fail(err, code, "%s", *msg ? msg : me_code_name(code));
}

/* Sends a packed frame and reads frames until the Response with `id` arrives. On ME_OK,
 * *out is the decoded Response (free with multiembed__v1__response__free_unpacked) whose
 * status may still be an error. */
static int exchange(me_client *c, const uint8_t *frame, size_t frame_len, uint64_t id,
                    int64_t deadline, Multiembed__V1__Response **out, me_error *err)
{
    int rc = me__write_all(c->fd, frame, frame_len, deadline, err);
    if (rc != ME_OK)
        return rc;
    for (;;) {
        uint8_t *payload = NULL;
        size_t len = 0;
        rc = me__read_frame(c->fd, c->opts.max_response_bytes, deadline, &payload, &len, err);
        if (rc != ME_OK)
            return rc;
        Multiembed__V1__Response *resp = multiembed__v1__response__unpack(NULL, len, payload);
        free(payload);
        if (resp == NULL)
            return me__fail(err, ME_INTERNAL, "the server's response does not decode (%zu bytes)",
                            len);
        if (resp->id == id) {
            *out = resp;
            return ME_OK;
        }
        if (resp->id == 0) {
            /* The server could not read our frame, or refused the connection; it closes now. */
            const Multiembed__V1__Status *s = resp->status;
            if (s != NULL && s->code != MULTIEMBED__V1__CODE__OK)
                rc = status_error(s, err);
            else
                rc = me__fail(err, ME_INTERNAL, "response with id 0 and no error");
            multiembed__v1__response__free_unpacked(resp, NULL);
            return rc;
        }
        /* Only one request is ever in flight, so any other id is a confused server. */
        uint64_t other = resp->id;
        multiembed__v1__response__free_unpacked(resp, NULL);
        return me__fail(err, ME_INTERNAL, "response for request %llu while waiting for %llu",
                        (unsigned long long)other, (unsigned long long)id);
    }
}

/* One call: fills in id and api key, sends, waits. Retries once on a fresh connection when a
 * reused one turns out to have been closed by the server before any byte of the answer came
 * (an idle connection the server dropped). Caller holds the lock; err is not NULL. */
static int call(me_client *c, Multiembed__V1__Request *req, uint32_t timeout_ms,
                Multiembed__V1__Response **out, me_error *err)
{
    int64_t deadline = me__deadline_after(timeout_ms ? timeout_ms : c->opts.call_timeout_ms);
    req->id = c->next_id++;
    if (req->api_key == NULL || req->api_key == protobuf_c_empty_string)
        req->api_key = c->api_key;
    uint8_t *frame = NULL;
    size_t frame_len = 0;
    int rc = me__pack_frame(&req->base, &frame, &frame_len, err);
    if (rc != ME_OK)
        return rc;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = c->fd >= 0 && c->used;
        rc = ensure_connected(c, deadline, err);
        if (rc != ME_OK)
            break;
        *out = NULL;
        rc = exchange(c, frame, frame_len, req->id, deadline, out, err);
        if (rc == ME_OK) {
            c->used = true;
            break;
        }
        disconnect(c);
        bool stale = reused && rc == ME_UNAVAILABLE && strcmp(err->message, ME__MSG_CLOSED) == 0;
        if (!stale)
            break;
    }
    free(frame);
    if (rc == ME_OK && (*out)->status != NULL && (*out)->status->code != MULTIEMBED__V1__CODE__OK)
        return status_error((*out)->status, err); /* *out kept: callers read input errors */
    return rc;
}

me_result *me_embed(me_client *client, const me_input *inputs, size_t n,
                    const me_embed_options *opts, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    if (client == NULL) {
        me__fail(err, ME_INVALID_ARGUMENT, "client is NULL");
        return NULL;
    }
    me__embed_request built;
    int rc = me__embed_request_build(&built, inputs, n, opts, err);
    if (rc != ME_OK) {
        me__embed_request_free(&built);
        return NULL;
    }
    Multiembed__V1__Request req = MULTIEMBED__V1__REQUEST__INIT;
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_EMBED;
    req.embed = &built.embed;
    if (opts != NULL) {
        req.deadline_ms = opts->deadline_ms;
        if (opts->api_key != NULL)
            req.api_key = (char *)opts->api_key;
    }
    if (!me__valid_utf8(req.api_key != NULL ? req.api_key : "")) {
        me__embed_request_free(&built);
        me__fail(err, ME_INVALID_ARGUMENT, "api_key is not valid UTF-8");
        return NULL;
    }

    Multiembed__V1__Response *resp = NULL;
    me_result *result = NULL;
    pthread_mutex_lock(&client->lock);
    rc = call(client, &req, opts != NULL ? opts->timeout_ms : 0, &resp, err);
    pthread_mutex_unlock(&client->lock);
    if (rc == ME_OK) {
        if (resp->body_case != MULTIEMBED__V1__RESPONSE__BODY_EMBED)
            me__fail(err, ME_INTERNAL, "OK response without an embed body");
        else
            result = me__result_from_embed(resp->embed, resp->status, n,
                                           opts != NULL ? (int)opts->encoding : 0, err);
    }
    if (resp != NULL)
        multiembed__v1__response__free_unpacked(resp, NULL);
    me__embed_request_free(&built);
    return result;
}

me_result *me_embed_texts(me_client *client, const char *const *texts, size_t n,
                          const me_embed_options *opts, me_error *err)
{
    if (texts == NULL || n == 0) {
        me__fail(err, ME_INVALID_ARGUMENT, "no texts to embed");
        return NULL;
    }
    me_input *inputs = calloc(n, sizeof *inputs);
    if (inputs == NULL) {
        me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for %zu inputs", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        inputs[i] = me_text(texts[i]);
    me_result *result = me_embed(client, inputs, n, opts, err);
    free(inputs);
    return result;
}

Multiembed__V1__Response *me__call(me_client *client, Multiembed__V1__Request *req,
                                   Multiembed__V1__Response__BodyCase want, uint32_t timeout_ms,
                                   me_error *err)
{
    if (client == NULL) {
        me__fail(err, ME_INVALID_ARGUMENT, "client is NULL");
        return NULL;
    }
    if (req->api_key != NULL && !me__valid_utf8(req->api_key)) {
        me__fail(err, ME_INVALID_ARGUMENT, "api_key is not valid UTF-8");
        return NULL;
    }
    Multiembed__V1__Response *resp = NULL;
    pthread_mutex_lock(&client->lock);
    int rc = call(client, req, timeout_ms, &resp, err);
    pthread_mutex_unlock(&client->lock);
    if (rc == ME_OK && resp->body_case != want)
        rc = me__fail(err, ME_INTERNAL, "OK response with the wrong body (%d, expected %d)",
                      (int)resp->body_case, (int)want);
    if (rc != ME_OK && resp != NULL) {
        multiembed__v1__response__free_unpacked(resp, NULL);
        resp = NULL;
    }
    return rc == ME_OK ? resp : NULL;
}

me_server_info *me_info(me_client *client, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    Multiembed__V1__InfoRequest body = MULTIEMBED__V1__INFO_REQUEST__INIT;
    Multiembed__V1__Request req = MULTIEMBED__V1__REQUEST__INIT;
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_INFO;
    req.info = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_INFO, 0, err);
    if (resp == NULL)
        return NULL;
    me_server_info *info = me__info_from_response(resp->info, err);
    multiembed__v1__response__free_unpacked(resp, NULL);
    return info;
}

int me_health(me_client *client, me_health_status *out, me_error *err)
{
    me_error local;
    if (err == NULL)
        err = &local;
    Multiembed__V1__HealthRequest body = MULTIEMBED__V1__HEALTH_REQUEST__INIT;
    Multiembed__V1__Request req = MULTIEMBED__V1__REQUEST__INIT;
    req.body_case = MULTIEMBED__V1__REQUEST__BODY_HEALTH;
    req.health = &body;
    Multiembed__V1__Response *resp =
        me__call(client, &req, MULTIEMBED__V1__RESPONSE__BODY_HEALTH, 0, err);
    if (resp == NULL)
        return err->code;
    if (out != NULL) {
        out->status = (int)resp->health->status;
        out->queue_depth = resp->health->queue_depth;
    }
    multiembed__v1__response__free_unpacked(resp, NULL);
    me__ok(err);
    return ME_OK;
}

float me_cosine(const float *a, const float *b, size_t n)
{
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    if (na == 0 || nb == 0)
        return 0.0f;
    return (float)(dot / (sqrt(na) * sqrt(nb)));
}
