/* test_errors.c - a broken or malicious server gets an error, never a crash, a hang or a huge
 * allocation; timeouts; reconnecting; bad arguments refused before anything is sent. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fake_server.h"
#include "multiembed.h"

/* What the scripted server does after reading one request. */
typedef enum scenario {
    HUGE_PREFIX,      /* length 0xFFFFFFFF, then nothing */
    OVER_LIMIT,       /* length 4096 (the client allows 1024) */
    TRUNCATED_FRAME,  /* length 100, 10 bytes, close */
    TRUNCATED_PREFIX, /* 2 bytes of a length, close */
    GARBAGE,          /* a frame of bytes that are not protobuf */
    CLOSE,            /* close without a word */
    ID_ZERO,          /* id 0 INVALID_ARGUMENT, then close (what the server does for bad frames) */
    WRONG_ID,         /* an answer to another request */
    NO_BODY,          /* OK without a body */
    SHORT_DATA,       /* pooled dimension 1000000 with 8 bytes of data */
    MULTI_LIE,        /* multi-vector 4294967295 x 4294967295 with 16 bytes */
    TOO_FEW,          /* 1 embedding for 2 inputs */
    BAD_INDEX,        /* embedding index 5 of 2 inputs */
    DUP_INDEX,        /* two embeddings with index 0 */
    SCALES,           /* int8 multi-vector with 1 scale for 2 rows */
    BAD_INPUT_ERROR,  /* an input error for input 9 of 2 */
    TRICKLE,          /* a valid answer, one byte at a time */
    ID_ZERO_EXHAUSTED, /* id 0 RESOURCE_EXHAUSTED, then close (a connection over the limits) */
    EXHAUSTED,        /* RESOURCE_EXHAUSTED for the request (its response would be too large) */
    DATA_LOSS,        /* DATA_LOSS for the request (a damaged collection) */
} scenario;

typedef struct script {
    scenario what;
} script;

static void h_scripted(int lfd, void *ctx)
{
    const script *s = ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = fs_read_request(fd);
    CHECK(r != NULL);
    uint64_t id = r != NULL ? r->id : 1;
    uint8_t *pooled = NULL;
    static const float two[2] = {0.6f, 0.8f};
    pooled = fs_floats_le(two, 2);
    switch (s->what) {
    case HUGE_PREFIX: CHECK(fs_send_raw(fd, "\xff\xff\xff\xff", 4)); break;
    case OVER_LIMIT: CHECK(fs_send_raw(fd, "\x00\x00\x10\x00", 4)); break;
    case TRUNCATED_FRAME: CHECK(fs_send_raw(fd, "\x00\x00\x00\x64" "0123456789", 14)); break;
    case TRUNCATED_PREFIX: CHECK(fs_send_raw(fd, "\x00\x00", 2)); break;
    case GARBAGE: CHECK(fs_send_raw(fd, "\x00\x00\x00\x08\xff\xff\xff\xff\xff\xff\xff\xff", 12)); break;
    case CLOSE: break;
    case ID_ZERO: CHECK(fs_send_status(fd, 0, ME_INVALID_ARGUMENT, "frame does not decode")); break;
    case ID_ZERO_EXHAUSTED:
        CHECK(fs_send_status(fd, 0, ME_RESOURCE_EXHAUSTED, "too many connections from 127.0.0.1"));
        break;
    case EXHAUSTED:
        CHECK(fs_send_status(fd, id, ME_RESOURCE_EXHAUSTED, "the response would take 90000000 bytes"));
        break;
    case DATA_LOSS: CHECK(fs_send_status(fd, id, ME_DATA_LOSS, "collection 'c' is damaged")); break;
    case WRONG_ID: CHECK(fs_send_status(fd, id + 100, ME_OK, "")); break;
    case NO_BODY: CHECK(fs_send_status(fd, id, ME_OK, "")); break;
    case SHORT_DATA: {
        fs_embedding e[2] = {{.index = 0, .has_pooled = true, .dimension = 1000000,
                              .pooled = pooled, .pooled_len = 8},
                             {.index = 1}};
        CHECK(fs_send_embed(fd, id, e, 2, NULL, "m", 0));
        break;
    }
    case MULTI_LIE: {
        fs_embedding e[2] = {{.index = 0, .has_multi = true, .count = UINT32_MAX,
                              .token_dimension = UINT32_MAX, .multi = pooled, .multi_len = 8},
                             {.index = 1}};
        CHECK(fs_send_embed(fd, id, e, 2, NULL, "m", 0));
        break;
    }
    case TOO_FEW: {
        fs_embedding e[1] = {{.index = 0}};
        CHECK(fs_send_embed(fd, id, e, 1, NULL, "m", 0));
        break;
    }
    case BAD_INDEX: {
        fs_embedding e[2] = {{.index = 0}, {.index = 5}};
        CHECK(fs_send_embed(fd, id, e, 2, NULL, "m", 0));
        break;
    }
    case DUP_INDEX: {
        fs_embedding e[2] = {{.index = 0}, {.index = 0}};
        CHECK(fs_send_embed(fd, id, e, 2, NULL, "m", 0));
        break;
    }
    case SCALES: {
        static const float one_scale[1] = {0.5f};
        fs_embedding e[2] = {{.index = 0, .has_multi = true, .count = 2, .token_dimension = 4,
                              .multi = pooled, .multi_len = 8, .scales = one_scale,
                              .n_scales = 1},
                             {.index = 1}};
        CHECK(fs_send_embed(fd, id, e, 2, NULL, "m", 0));
        break;
    }
    case BAD_INPUT_ERROR: {
        Multiembed__V1__InputError ie = MULTIEMBED__V1__INPUT_ERROR__INIT;
        ie.index = 9;
        ie.code = MULTIEMBED__V1__CODE__INVALID_ARGUMENT;
        Multiembed__V1__InputError *ies[1] = {&ie};
        Multiembed__V1__Status st = MULTIEMBED__V1__STATUS__INIT;
        st.n_input_errors = 1;
        st.input_errors = ies;
        fs_embedding e[2] = {{.index = 0}, {.index = 1}};
        CHECK(fs_send_embed(fd, id, e, 2, &st, "m", 0));
        break;
    }
    case TRICKLE: {
        /* Response{id, embed{embeddings[2] of pooled (0.6, 0.8)}} written byte by byte. */
        Multiembed__V1__Vector v = MULTIEMBED__V1__VECTOR__INIT;
        v.dimension = 2;
        v.data.data = pooled;
        v.data.len = 8;
        Multiembed__V1__Embedding e0 = MULTIEMBED__V1__EMBEDDING__INIT, e1 = e0;
        e0.pooled = &v;
        e1.index = 1;
        e1.pooled = &v;
        Multiembed__V1__Embedding *ep[2] = {&e0, &e1};
        Multiembed__V1__EmbedResponse body = MULTIEMBED__V1__EMBED_RESPONSE__INIT;
        body.n_embeddings = 2;
        body.embeddings = ep;
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = id;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_EMBED;
        resp.embed = &body;
        size_t n = multiembed__v1__response__get_packed_size(&resp);
        uint8_t *buf = malloc(n + 4);
        buf[0] = 0, buf[1] = 0, buf[2] = (uint8_t)(n >> 8), buf[3] = (uint8_t)n;
        multiembed__v1__response__pack(&resp, buf + 4);
        for (size_t i = 0; i < n + 4; i++) {
            CHECK(fs_send_raw(fd, buf + i, 1));
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        free(buf);
        break;
    }
    }
    free(pooled);
    if (r != NULL)
        multiembed__v1__request__free_unpacked(r, NULL);
    if (s->what != CLOSE && s->what != TRUNCATED_FRAME && s->what != TRUNCATED_PREFIX &&
        s->what != ID_ZERO && s->what != ID_ZERO_EXHAUSTED)
        CHECK(fs_wait_closed(fd)); /* the client hangs up (on error) or closes at the end */
    close(fd);
}

/* Runs one scenario: a 2-text embed must fail with `want` (or succeed when want is ME_OK). */
static void run_scenario(scenario what, int want, const char *message_part)
{
    script s = {what};
    fake_server fs;
    CHECK(fs_start(&fs, h_scripted, &s));
    me_options o;
    me_options_init(&o);
    o.max_response_bytes = 1024;
    o.call_timeout_ms = 5000;
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, &o, &err);
    CHECK(c != NULL);
    const char *texts[2] = {"a", "b"};
    me_result *r = c ? me_embed_texts(c, texts, 2, NULL, &err) : NULL;
    CHECK_CODE(err, want);
    CHECK((r != NULL) == (want == ME_OK));
    if (message_part != NULL && strstr(err.message, message_part) == NULL) {
        CHECK(!"message does not name the problem");
        fprintf(stderr, "  message: %s\n", err.message);
    }
    if (r != NULL && want == ME_OK)
        CHECK(r->count == 2 && r->embeddings[1].pooled != NULL &&
              r->embeddings[1].pooled[1] == 0.8f);
    me_result_free(r);
    me_close(c);
    fs_stop(&fs);
}

static void huge_prefix(void) { run_scenario(HUGE_PREFIX, ME_RESOURCE_EXHAUSTED, "4294967295"); }
static void over_limit(void) { run_scenario(OVER_LIMIT, ME_RESOURCE_EXHAUSTED, "limit"); }
static void truncated_frame(void) { run_scenario(TRUNCATED_FRAME, ME_UNAVAILABLE, "10 of 100"); }
static void truncated_prefix(void) { run_scenario(TRUNCATED_PREFIX, ME_UNAVAILABLE, "prefix"); }
static void garbage(void) { run_scenario(GARBAGE, ME_INTERNAL, "does not decode"); }
static void closed(void) { run_scenario(CLOSE, ME_UNAVAILABLE, "closed"); }
static void id_zero(void) { run_scenario(ID_ZERO, ME_INVALID_ARGUMENT, "does not decode"); }
static void wrong_id(void) { run_scenario(WRONG_ID, ME_INTERNAL, "request"); }
static void no_body(void) { run_scenario(NO_BODY, ME_INTERNAL, "body"); }
static void short_data(void) { run_scenario(SHORT_DATA, ME_INTERNAL, "1000000"); }
static void multi_lie(void) { run_scenario(MULTI_LIE, ME_INTERNAL, "multi-vector"); }
static void too_few(void) { run_scenario(TOO_FEW, ME_INTERNAL, "1 embeddings for 2"); }
static void bad_index(void) { run_scenario(BAD_INDEX, ME_INTERNAL, "index 5"); }
static void dup_index(void) { run_scenario(DUP_INDEX, ME_INTERNAL, "repeated"); }
static void bad_input_error(void) { run_scenario(BAD_INPUT_ERROR, ME_INTERNAL, "input 9"); }
static void trickle(void) { run_scenario(TRICKLE, ME_OK, NULL); }
static void id_zero_exhausted(void) { run_scenario(ID_ZERO_EXHAUSTED, ME_RESOURCE_EXHAUSTED, "too many connections"); }
static void exhausted(void) { run_scenario(EXHAUSTED, ME_RESOURCE_EXHAUSTED, "90000000 bytes"); }
static void data_loss(void) { run_scenario(DATA_LOSS, ME_DATA_LOSS, "damaged"); }

static void scales(void)
{
    /* Needs INT8 in the request, so not through run_scenario's default options. */
    script s = {SCALES};
    fake_server fs;
    CHECK(fs_start(&fs, h_scripted, &s));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, NULL, &err);
    const char *texts[2] = {"a", "b"};
    me_embed_options o = {.encoding = ME_ENCODING_INT8, .output = ME_OUTPUT_MULTI_VECTOR};
    me_result *r = c ? me_embed_texts(c, texts, 2, &o, &err) : NULL;
    CHECK(r == NULL);
    CHECK_CODE(err, ME_INTERNAL);
    CHECK(strstr(err.message, "scales") != NULL);
    me_close(c);
    fs_stop(&fs);
}

/* ---- timeouts and reconnecting ---- */

static void h_silent_then_answer(int lfd, void *ctx)
{
    (void)ctx;
    /* First connection: read the request, never answer, wait for the client to give up. */
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = fs_read_request(fd);
    CHECK(r != NULL);
    if (r != NULL)
        multiembed__v1__request__free_unpacked(r, NULL);
    CHECK(fs_wait_closed(fd)); /* the timeout closes the connection */
    close(fd);
    /* Second connection: the next call reconnects and is answered. */
    fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    r = fs_read_request(fd);
    CHECK(r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_HEALTH);
    if (r != NULL) {
        Multiembed__V1__HealthResponse h = MULTIEMBED__V1__HEALTH_RESPONSE__INIT;
        h.status = MULTIEMBED__V1__SERVING_STATUS__SERVING_STATUS_SERVING;
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_HEALTH;
        resp.health = &h;
        CHECK(fs_send_response(fd, &resp));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void call_timeout_then_reconnect(void)
{
    fake_server fs;
    CHECK(fs_start(&fs, h_silent_then_answer, NULL));
    me_options o;
    me_options_init(&o);
    o.call_timeout_ms = 5000;
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, &o, &err);
    CHECK(c != NULL);
    me_input in = me_text("x");
    me_embed_options eo = {.timeout_ms = 200}; /* per call, overriding the handle's 5 s */
    double t0 = now_s();
    me_result *r = c ? me_embed(c, &in, 1, &eo, &err) : NULL;
    double took = now_s() - t0;
    CHECK(r == NULL);
    CHECK_CODE(err, ME_DEADLINE_EXCEEDED);
    CHECK(took >= 0.19 && took < 2.0);
    me_health_status h;
    CHECK(c != NULL && me_health(c, &h, &err) == ME_OK);
    CHECK(h.status == ME_SERVING_STATUS_SERVING);
    me_close(c);
    fs_stop(&fs);
}

static void h_answer_then_close(int lfd, void *ctx)
{
    (void)ctx;
    for (int conn = 0; conn < 2; conn++) {
        int fd = fs_accept(lfd);
        CHECK(fd >= 0);
        if (fd < 0)
            return;
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL);
        if (r != NULL) {
            Multiembed__V1__HealthResponse h = MULTIEMBED__V1__HEALTH_RESPONSE__INIT;
            h.queue_depth = (uint32_t)conn;
            Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
            resp.id = r->id;
            resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_HEALTH;
            resp.health = &h;
            CHECK(fs_send_response(fd, &resp));
            multiembed__v1__request__free_unpacked(r, NULL);
        }
        if (conn == 1)
            CHECK(fs_wait_closed(fd));
        close(fd); /* first connection: the server drops an idle client */
    }
}

static void stale_connection_is_retried(void)
{
    fake_server fs;
    CHECK(fs_start(&fs, h_answer_then_close, NULL));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, NULL, &err);
    me_health_status h;
    CHECK(c != NULL && me_health(c, &h, &err) == ME_OK && h.queue_depth == 0);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL); /* let the server's close arrive */
    CHECK(c != NULL && me_health(c, &h, &err) == ME_OK && h.queue_depth == 1);
    CHECK_CODE(err, ME_OK);
    me_close(c);
    fs_stop(&fs);
}

static void h_accept_only(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(fs_wait_closed(fd));
        close(fd);
    }
}

static void connect_errors(void)
{
    /* A port nobody listens on: bind one, learn its number, close it. */
    fake_server fs;
    CHECK(fs_start(&fs, h_accept_only, NULL));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, NULL, &err);
    CHECK(c != NULL);
    me_close(c);
    fs_stop(&fs);
    c = me_connect("127.0.0.1", fs.port, NULL, &err);
    CHECK(c == NULL);
    CHECK_CODE(err, ME_UNAVAILABLE);
    c = me_connect("host.invalid", 1, NULL, &err);
    CHECK(c == NULL);
    CHECK_CODE(err, ME_UNAVAILABLE);
    c = me_connect(NULL, 1, NULL, &err);
    CHECK(c == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_options o = {.api_key = "\xff"};
    c = me_connect("127.0.0.1", 1, &o, &err);
    CHECK(c == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
}

static void bad_arguments(void)
{
    fake_server fs;
    CHECK(fs_start(&fs, h_accept_only, NULL)); /* nothing may be sent: it reads no request */
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, NULL, &err);
    CHECK(c != NULL);
    me_input in = me_text("ok");
    me_input bad_text = me_text("\xc3\x28");
    me_input null_text = me_text(NULL);
    me_input bad_kind = in;
    bad_kind.kind = (me_input_kind)9;
    me_input null_patches = me_patches(2, 2, 4, 3, NULL);
    me_embed_options both = {.prompt_name = "query", .instruction = "x"};
    me_embed_options bad_enum = {.encoding = (me_encoding)9};
    me_embed_options bad_key = {.api_key = "\xc3"};
    struct {
        const me_input *in;
        size_t n;
        const me_embed_options *o;
    } cases[] = {
        {&in, 0, NULL},          {NULL, 1, NULL},         {&bad_text, 1, NULL},
        {&null_text, 1, NULL},   {&bad_kind, 1, NULL},    {&null_patches, 1, NULL},
        {&in, 1, &both},         {&in, 1, &bad_enum},     {&in, 1, &bad_key},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        me_result *r = me_embed(c, cases[i].in, cases[i].n, cases[i].o, &err);
        CHECK(r == NULL);
        CHECK_CODE(err, ME_INVALID_ARGUMENT);
    }
    CHECK(me_embed(NULL, &in, 1, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(me_embed(c, &in, 0, NULL, NULL) == NULL); /* a NULL err is allowed */
    me_close(c);
    me_close(NULL);
    me_result_free(NULL);
    me_info_free(NULL);
    fs_stop(&fs);
}

/* ---- one handle shared by threads: calls are serialised by its mutex ---- */

enum { THREADS = 4, CALLS = 25 };

static void h_many_health(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    for (int i = 0; i < THREADS * CALLS; i++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL);
        if (r == NULL)
            break;
        Multiembed__V1__HealthResponse h = MULTIEMBED__V1__HEALTH_RESPONSE__INIT;
        h.queue_depth = (uint32_t)r->id; /* echo, so each caller can check it got its answer */
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_HEALTH;
        resp.health = &h;
        CHECK(fs_send_response(fd, &resp));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void *health_caller(void *arg)
{
    me_client *c = arg;
    uint32_t last = 0;
    for (int i = 0; i < CALLS; i++) {
        me_health_status h;
        me_error err;
        CHECK(me_health(c, &h, &err) == ME_OK);
        CHECK(h.queue_depth > last); /* ids only grow */
        last = h.queue_depth;
    }
    return NULL;
}

static void shared_handle(void)
{
    fake_server fs;
    CHECK(fs_start(&fs, h_many_health, NULL));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs.port, NULL, &err);
    CHECK(c != NULL);
    pthread_t t[THREADS];
    for (int i = 0; c != NULL && i < THREADS; i++)
        pthread_create(&t[i], NULL, health_caller, c);
    for (int i = 0; c != NULL && i < THREADS; i++)
        pthread_join(t[i], NULL);
    me_close(c);
    fs_stop(&fs);
}

const test_case error_tests[] = {
    {"malicious: length prefix 0xFFFFFFFF", huge_prefix},
    {"malicious: frame over max_response_bytes", over_limit},
    {"malicious: stream ends inside a frame", truncated_frame},
    {"malicious: stream ends inside a length prefix", truncated_prefix},
    {"malicious: garbage bytes", garbage},
    {"malicious: closed without an answer", closed},
    {"server: id 0 error before closing", id_zero},
    {"server: id 0 RESOURCE_EXHAUSTED (connection refused) reaches the caller", id_zero_exhausted},
    {"server: RESOURCE_EXHAUSTED reaches the caller as its code", exhausted},
    {"server: DATA_LOSS reaches the caller as its code", data_loss},
    {"malicious: answer to another request", wrong_id},
    {"malicious: OK without a body", no_body},
    {"malicious: pooled dimension larger than its data", short_data},
    {"malicious: multi-vector 2^32 x 2^32 with 8 bytes", multi_lie},
    {"malicious: fewer embeddings than inputs", too_few},
    {"malicious: embedding index out of range", bad_index},
    {"malicious: embedding index repeated", dup_index},
    {"malicious: int8 scales missing", scales},
    {"malicious: input error for a missing input", bad_input_error},
    {"framing: an answer one byte at a time", trickle},
    {"timeout: call times out, next call reconnects", call_timeout_then_reconnect},
    {"reconnect: a connection the server dropped is retried once", stale_connection_is_retried},
    {"connect: refused, unresolvable, bad arguments", connect_errors},
    {"embed: bad arguments refused before sending", bad_arguments},
    {"threads: one handle shared by 4 threads", shared_handle},
    {NULL, NULL},
};
