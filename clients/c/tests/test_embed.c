/* test_embed.c - embed, info and health against the fake server: the request's fields as the
 * server decodes them, and the results decoded from canned responses. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_server.h"
#include "multiembed.h"

/* Connects a client to a fake server running handler; NULL (and a failed check) otherwise. */
static me_client *start(fake_server *fs, fs_handler handler, void *ctx, const me_options *opts)
{
    CHECK(fs_start(fs, handler, ctx));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs->port, opts, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(c != NULL);
    return c;
}

static const float pool_a[2] = {0.6f, 0.8f};
static const float multi_a[4] = {1.0f, 0.0f, 0.0f, -1.0f};
static const float patch_values[4] = {0.5f, -1.0f, 2.0f, 3.25f};

/* ---- every field of an embed request ---- */

static void h_fields(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = fs_read_request(fd);
    CHECK(r != NULL);
    if (r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_EMBED) {
        const Multiembed__V1__EmbedRequest *e = r->embed;
        CHECK(r->id == 1);
        CHECK(r->deadline_ms == 1500);
        CHECK(strcmp(r->api_key, "call-key") == 0);
        CHECK(strcmp(e->model, "m1") == 0);
        CHECK(e->prompt_case == MULTIEMBED__V1__EMBED_REQUEST__PROMPT_INSTRUCTION);
        CHECK(e->prompt_case != MULTIEMBED__V1__EMBED_REQUEST__PROMPT_INSTRUCTION ||
              strcmp(e->instruction, "query: ") == 0);
        CHECK(e->output == MULTIEMBED__V1__OUTPUT__OUTPUT_BOTH);
        CHECK(e->dimensions == 2);
        CHECK(e->normalize == MULTIEMBED__V1__NORMALIZE__NORMALIZE_OFF);
        CHECK(e->encoding == MULTIEMBED__V1__ENCODING__ENCODING_FLOAT32);
        CHECK(e->truncate == MULTIEMBED__V1__TRUNCATE__TRUNCATE_START);
        CHECK(e->all_or_nothing);
        CHECK(e->n_inputs == 3);
        if (e->n_inputs == 3) {
            CHECK(e->inputs[0]->kind_case == MULTIEMBED__V1__INPUT__KIND_TEXT);
            CHECK(strcmp(e->inputs[0]->text, "h\xc3\xa9llo") == 0);
            CHECK(e->inputs[1]->kind_case == MULTIEMBED__V1__INPUT__KIND_IMAGE);
            const Multiembed__V1__ImageBytes *img = e->inputs[1]->image;
            CHECK(img->data.len == 4 && memcmp(img->data.data, "\x89PNG", 4) == 0);
            CHECK(strcmp(img->name, "a.png") == 0);
            CHECK(e->inputs[2]->kind_case == MULTIEMBED__V1__INPUT__KIND_PATCHES);
            const Multiembed__V1__Patches *p = e->inputs[2]->patches;
            CHECK(p->rows == 1 && p->cols == 2 && p->patch_size == 1 && p->channels == 2);
            uint8_t *want = fs_floats_le(patch_values, 4);
            CHECK(p->data.len == 16 && memcmp(p->data.data, want, 16) == 0);
            free(want);
        }
        uint8_t *pooled = fs_floats_le(pool_a, 2), *multi = fs_floats_le(multi_a, 4);
        fs_embedding embs[3];
        memset(embs, 0, sizeof embs);
        for (uint32_t i = 0; i < 3; i++) {
            embs[i] = (fs_embedding){.index = i, .truncated = i == 0, .has_pooled = true,
                                     .dimension = 2, .pooled = pooled, .pooled_len = 8,
                                     .has_multi = true, .count = 2, .token_dimension = 2,
                                     .multi = multi, .multi_len = 16};
        }
        CHECK(fs_send_embed(fd, r->id, embs, 3, NULL, "m1", 7));
        free(pooled);
        free(multi);
    }
    if (r != NULL)
        multiembed__v1__request__free_unpacked(r, NULL);
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void request_fields(void)
{
    fake_server fs;
    me_options o;
    me_options_init(&o);
    o.api_key = "handle-key";
    me_client *c = start(&fs, h_fields, NULL, &o);
    const uint8_t png[4] = {0x89, 'P', 'N', 'G'};
    me_input in[3] = {me_text("h\xc3\xa9llo"), me_image(png, 4, "a.png"),
                      me_patches(1, 2, 1, 2, patch_values)};
    me_embed_options eo = {.model = "m1", .instruction = "query: ", .output = ME_OUTPUT_BOTH,
                           .dimensions = 2, .normalize = ME_NORMALIZE_OFF,
                           .truncate = ME_TRUNCATE_START, .all_or_nothing = true,
                           .deadline_ms = 1500, .api_key = "call-key"};
    me_error err;
    me_result *res = c ? me_embed(c, in, 3, &eo, &err) : NULL;
    CHECK(res != NULL);
    if (res != NULL) {
        CHECK_CODE(err, ME_OK);
        CHECK(res->count == 3 && res->failed == 0);
        CHECK(strcmp(res->model, "m1") == 0);
        CHECK(res->usage.tokens == 7 && res->usage.pixels == 11 && res->usage.patches == 12);
        CHECK(res->usage.queue_time_us == 13 && res->usage.inference_time_us == 14);
        for (size_t i = 0; i < res->count; i++) {
            const me_embedding *e = &res->embeddings[i];
            CHECK(e->index == i);
            CHECK(e->truncated == (i == 0));
            CHECK(e->error_code == ME_OK && e->error_message == NULL);
            CHECK(e->dimension == 2 && e->pooled != NULL);
            CHECK(e->count == 2 && e->token_dimension == 2 && e->multi_vector != NULL);
            if (e->pooled && e->multi_vector) {
                CHECK_FLOAT(e->pooled[0], 0.6f, 0);
                CHECK_FLOAT(e->pooled[1], 0.8f, 0);
                for (int k = 0; k < 4; k++)
                    CHECK_FLOAT(e->multi_vector[k], multi_a[k], 0);
            }
        }
    }
    me_result_free(res);
    me_close(c);
    fs_stop(&fs);
}

/* ---- defaults, prompt names, empty instructions, the handle's key ---- */

static void h_defaults(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    uint8_t *pooled = fs_floats_le(pool_a, 2);
    for (int call = 0; call < 3; call++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_EMBED);
        if (r == NULL || r->body_case != MULTIEMBED__V1__REQUEST__BODY_EMBED)
            break;
        const Multiembed__V1__EmbedRequest *e = r->embed;
        CHECK(r->id == (uint64_t)call + 1); /* ids count up from 1 */
        CHECK(strcmp(r->api_key, "k") == 0);
        CHECK(r->deadline_ms == 0);
        CHECK(strcmp(e->model, "") == 0);
        CHECK(e->output == MULTIEMBED__V1__OUTPUT__OUTPUT_POOLED && e->dimensions == 0);
        CHECK(e->normalize == MULTIEMBED__V1__NORMALIZE__NORMALIZE_MODEL_DEFAULT);
        CHECK(e->encoding == MULTIEMBED__V1__ENCODING__ENCODING_FLOAT32);
        CHECK(e->truncate == MULTIEMBED__V1__TRUNCATE__TRUNCATE_END && !e->all_or_nothing);
        if (call == 0) /* NULL options: no prompt set */
            CHECK(e->prompt_case == MULTIEMBED__V1__EMBED_REQUEST__PROMPT__NOT_SET);
        if (call == 1)
            CHECK(e->prompt_case == MULTIEMBED__V1__EMBED_REQUEST__PROMPT_PROMPT_NAME &&
                  strcmp(e->prompt_name, "query") == 0);
        if (call == 2) /* "" is "no prompt at all": it must reach the server as set */
            CHECK(e->prompt_case == MULTIEMBED__V1__EMBED_REQUEST__PROMPT_INSTRUCTION &&
                  strcmp(e->instruction, "") == 0);
        CHECK(e->n_inputs == 2);
        fs_embedding embs[2] = {
            {.index = 0, .has_pooled = true, .dimension = 2, .pooled = pooled, .pooled_len = 8},
            {.index = 1, .has_pooled = true, .dimension = 2, .pooled = pooled, .pooled_len = 8},
        };
        CHECK(fs_send_embed(fd, r->id, embs, 2, NULL, "default-model", 4));
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    free(pooled);
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void defaults_and_prompts(void)
{
    fake_server fs;
    me_options o = {.api_key = "k"}; /* zeroed fields mean defaults */
    me_client *c = start(&fs, h_defaults, NULL, &o);
    const char *texts[2] = {"a", "b"};
    me_embed_options by_name = {.prompt_name = "query"};
    me_embed_options no_prompt = {.instruction = ""};
    const me_embed_options *calls[3] = {NULL, &by_name, &no_prompt};
    for (int i = 0; c != NULL && i < 3; i++) {
        me_error err;
        me_result *res = me_embed_texts(c, texts, 2, calls[i], &err);
        CHECK_CODE(err, ME_OK);
        CHECK(res != NULL && res->count == 2 && strcmp(res->model, "default-model") == 0);
        CHECK(res != NULL && res->embeddings[1].multi_vector == NULL);
        me_result_free(res);
    }
    me_close(c);
    fs_stop(&fs);
}

/* ---- float16, int8 and binary through the wire ---- */

static void h_encodings(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    for (int call = 0; call < 3; call++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_EMBED);
        if (r == NULL || r->body_case != MULTIEMBED__V1__REQUEST__BODY_EMBED)
            break;
        int enc = (int)r->embed->encoding;
        CHECK(enc == call + 1);
        CHECK(r->embed->output == MULTIEMBED__V1__OUTPUT__OUTPUT_BOTH);
        if (enc == ME_ENCODING_FLOAT16) {
            static const uint8_t pooled[] = {0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35};
            static const uint8_t multi[] = {0x00, 0x38, 0x00, 0xb8, 0x00, 0x00,
                                            0x00, 0x7c, 0xff, 0x7b, 0x01, 0x80};
            fs_embedding e = {.has_pooled = true, .dimension = 3, .pooled = pooled,
                              .pooled_len = 6, .has_multi = true, .count = 2,
                              .token_dimension = 3, .multi = multi, .multi_len = 12};
            CHECK(fs_send_embed(fd, r->id, &e, 1, NULL, "m", 1));
        } else if (enc == ME_ENCODING_INT8) {
            static const uint8_t pooled[] = {127, 0x81, 0};
            static const uint8_t multi[] = {127, 0, 0x81, 2, 0xff, 0};
            static const float scales[] = {0.25f, 0.0f};
            fs_embedding e = {.has_pooled = true, .dimension = 3, .pooled = pooled,
                              .pooled_len = 3, .scale = 0.5f, .has_multi = true, .count = 2,
                              .token_dimension = 3, .multi = multi, .multi_len = 6,
                              .scales = scales, .n_scales = 2};
            CHECK(fs_send_embed(fd, r->id, &e, 1, NULL, "m", 1));
        } else {
            static const uint8_t pooled[] = {0x05, 0x01}; /* 9 values: 1 0 1 0 0 0 0 0 1 */
            static const uint8_t multi[] = {0x06, 0x01};  /* 2 rows of 3: 0 1 1 / 1 0 0 */
            fs_embedding e = {.has_pooled = true, .dimension = 9, .pooled = pooled,
                              .pooled_len = 2, .has_multi = true, .count = 2,
                              .token_dimension = 3, .multi = multi, .multi_len = 2};
            CHECK(fs_send_embed(fd, r->id, &e, 1, NULL, "m", 1));
        }
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void check_values(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; got != NULL && i < n; i++)
        CHECK_FLOAT(got[i], want[i], 0);
    CHECK(got != NULL);
}

static void encodings_on_the_wire(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_encodings, NULL, NULL);
    me_input in = me_text("x");
    me_error err;
    me_embed_options o = {.output = ME_OUTPUT_BOTH};

    o.encoding = ME_ENCODING_FLOAT16;
    me_result *r = c ? me_embed(c, &in, 1, &o, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    if (r != NULL) {
        const float pooled[] = {1.0f, -2.0f, 0.333251953125f};
        const float multi[] = {0.5f, -0.5f, 0.0f, INFINITY, 65504.0f, -5.9604644775390625e-8f};
        check_values(r->embeddings[0].pooled, pooled, 3);
        CHECK(r->embeddings[0].count == 2 && r->embeddings[0].token_dimension == 3);
        check_values(r->embeddings[0].multi_vector, multi, 6);
    }
    me_result_free(r);

    o.encoding = ME_ENCODING_INT8;
    r = c ? me_embed(c, &in, 1, &o, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    if (r != NULL) {
        const float pooled[] = {63.5f, -63.5f, 0.0f};
        const float multi[] = {31.75f, 0.0f, -31.75f, 0.0f, 0.0f, 0.0f}; /* row 2: scale 0 */
        check_values(r->embeddings[0].pooled, pooled, 3);
        check_values(r->embeddings[0].multi_vector, multi, 6);
    }
    me_result_free(r);

    o.encoding = ME_ENCODING_BINARY;
    r = c ? me_embed(c, &in, 1, &o, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    if (r != NULL) {
        const float pooled[] = {1, -1, 1, -1, -1, -1, -1, -1, 1};
        const float multi[] = {-1, 1, 1, 1, -1, -1};
        CHECK(r->embeddings[0].dimension == 9);
        check_values(r->embeddings[0].pooled, pooled, 9);
        check_values(r->embeddings[0].multi_vector, multi, 6);
    }
    me_result_free(r);
    me_close(c);
    fs_stop(&fs);
}

/* ---- per-input errors, whole-request errors, all_or_nothing ---- */

static void h_errors(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    uint8_t *pooled = fs_floats_le(pool_a, 2);
    for (int call = 0; call < 4; call++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL);
        if (r == NULL)
            break;
        if (call == 0) { /* input 1 of 3 fails alone */
            Multiembed__V1__InputError ie = MULTIEMBED__V1__INPUT_ERROR__INIT;
            ie.index = 1;
            ie.code = MULTIEMBED__V1__CODE__INVALID_ARGUMENT;
            ie.message = "input 1 (b.png): not a PNG or JPEG file";
            Multiembed__V1__InputError *ies[1] = {&ie};
            Multiembed__V1__Status st = MULTIEMBED__V1__STATUS__INIT;
            st.n_input_errors = 1;
            st.input_errors = ies;
            fs_embedding embs[3] = {
                {.index = 0, .has_pooled = true, .dimension = 2, .pooled = pooled,
                 .pooled_len = 8},
                {.index = 1},
                {.index = 2, .has_pooled = true, .dimension = 2, .pooled = pooled,
                 .pooled_len = 8},
            };
            CHECK(fs_send_embed(fd, r->id, embs, 3, &st, "m", 2));
        } else if (call == 1) {
            CHECK(fs_send_status(fd, r->id, ME_NOT_FOUND, "unknown model 'nope'"));
        } else if (call == 2) { /* all_or_nothing: code of the input, message empty */
            Multiembed__V1__InputError ie = MULTIEMBED__V1__INPUT_ERROR__INIT;
            ie.index = 0;
            ie.code = MULTIEMBED__V1__CODE__INVALID_ARGUMENT;
            ie.message = "text is 600 tokens, over 512";
            Multiembed__V1__InputError *ies[1] = {&ie};
            Multiembed__V1__Status st = MULTIEMBED__V1__STATUS__INIT;
            st.code = MULTIEMBED__V1__CODE__INVALID_ARGUMENT;
            st.n_input_errors = 1;
            st.input_errors = ies;
            Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
            resp.id = r->id;
            resp.status = &st;
            CHECK(fs_send_response(fd, &resp));
        } else {
            CHECK(fs_send_status(fd, r->id, ME_UNAUTHENTICATED, ""));
        }
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    free(pooled);
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void status_and_input_errors(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_errors, NULL, NULL);
    const char *texts[3] = {"a", "b", "c"};
    me_error err;
    me_result *r = c ? me_embed_texts(c, texts, 3, NULL, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    CHECK(r != NULL);
    if (r != NULL) {
        CHECK(r->failed == 1);
        CHECK(r->embeddings[0].error_code == ME_OK && r->embeddings[0].pooled != NULL);
        CHECK(r->embeddings[1].error_code == ME_INVALID_ARGUMENT);
        CHECK(r->embeddings[1].pooled == NULL && r->embeddings[1].multi_vector == NULL);
        CHECK(r->embeddings[1].error_message != NULL &&
              strstr(r->embeddings[1].error_message, "not a PNG") != NULL);
        CHECK(r->embeddings[2].error_code == ME_OK && r->embeddings[2].pooled != NULL);
    }
    me_result_free(r);

    /* A whole-request error: NULL, the server's code and message; the connection stays up. */
    r = c ? me_embed_texts(c, texts, 1, NULL, &err) : NULL;
    CHECK(r == NULL);
    CHECK_CODE(err, ME_NOT_FOUND);
    CHECK(strcmp(err.message, "unknown model 'nope'") == 0);

    me_embed_options aon = {.all_or_nothing = true};
    r = c ? me_embed_texts(c, texts, 1, &aon, &err) : NULL;
    CHECK(r == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "600 tokens") != NULL); /* from the input error */

    me_health_status h;
    CHECK(c != NULL && me_health(c, &h, &err) == ME_UNAUTHENTICATED);
    CHECK_CODE(err, ME_UNAUTHENTICATED);
    me_close(c);
    fs_stop(&fs);
}

/* ---- info and health ---- */

static void h_info_health(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    for (int call = 0; call < 2; call++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL);
        if (r == NULL)
            break;
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        if (r->body_case == MULTIEMBED__V1__REQUEST__BODY_INFO) {
            Multiembed__V1__ModelInfo__PromptsEntry p1 =
                MULTIEMBED__V1__MODEL_INFO__PROMPTS_ENTRY__INIT;
            p1.key = "query";
            p1.value = "query: ";
            Multiembed__V1__ModelInfo__PromptsEntry *prompts[1] = {&p1};
            uint32_t dims[2] = {64, 384};
            Multiembed__V1__InputKind kinds[1] = {MULTIEMBED__V1__INPUT_KIND__INPUT_KIND_TEXT};
            Multiembed__V1__ModelInfo m = MULTIEMBED__V1__MODEL_INFO__INIT;
            m.name = "all-MiniLM-L6-v2";
            m.architecture = "bert";
            m.dimension = 384;
            m.n_allowed_dimensions = 2;
            m.allowed_dimensions = dims;
            m.n_prompts = 1;
            m.prompts = prompts;
            m.n_input_kinds = 1;
            m.input_kinds = kinds;
            m.max_input_tokens = 256;
            m.normalizes = true;
            m.compute_precision = MULTIEMBED__V1__COMPUTE_PRECISION__COMPUTE_PRECISION_BF16;
            Multiembed__V1__ModelInfo *models[1] = {&m};
            Multiembed__V1__Limits lim = MULTIEMBED__V1__LIMITS__INIT;
            lim.max_frame_bytes = 1 << 26;
            lim.max_inputs_per_request = 256;
            lim.max_image_pixels = 50000000;
            lim.max_vectors_per_document = 4096;
            lim.max_top_k = 1000;
            lim.max_response_bytes = (uint64_t)5 << 32; /* over 32 bits: kept whole */
            lim.max_connections_per_address = 128;
            lim.max_answer_bytes_per_connection = 67108864;
            lim.idle_timeout_ms = 300000;
            lim.max_failed_authentications = 8;
            Multiembed__V1__InfoResponse info = MULTIEMBED__V1__INFO_RESPONSE__INIT;
            info.version = "0.1.0";
            info.n_models = 1;
            info.models = models;
            info.limits = &lim;
            resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_INFO;
            resp.info = &info;
            CHECK(fs_send_response(fd, &resp));
        } else {
            CHECK(r->body_case == MULTIEMBED__V1__REQUEST__BODY_HEALTH);
            Multiembed__V1__HealthResponse h = MULTIEMBED__V1__HEALTH_RESPONSE__INIT;
            h.status = MULTIEMBED__V1__SERVING_STATUS__SERVING_STATUS_SERVING;
            h.queue_depth = 5;
            resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_HEALTH;
            resp.health = &h;
            CHECK(fs_send_response(fd, &resp));
        }
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void info_and_health(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_info_health, NULL, NULL);
    me_error err;
    me_server_info *info = c ? me_info(c, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    CHECK(info != NULL);
    if (info != NULL) {
        CHECK(strcmp(info->version, "0.1.0") == 0);
        CHECK(info->n_models == 1);
        if (info->n_models == 1) {
            const me_model_info *m = &info->models[0];
            CHECK(strcmp(m->name, "all-MiniLM-L6-v2") == 0 && strcmp(m->architecture, "bert") == 0);
            CHECK(m->dimension == 384 && m->token_dimension == 0 && m->normalizes);
            CHECK(m->compute_precision == ME_COMPUTE_BF16);
            CHECK(m->n_allowed_dimensions == 2 && m->allowed_dimensions[0] == 64);
            CHECK(m->n_prompts == 1 && strcmp(m->prompts[0].name, "query") == 0 &&
                  strcmp(m->prompts[0].text, "query: ") == 0);
            CHECK(strcmp(m->default_prompt_name, "") == 0);
            CHECK(m->n_input_kinds == 1 && m->input_kinds[0] == ME_INPUT_TEXT);
            CHECK(m->max_input_tokens == 256 && m->n_channels == 0 && m->image_mean == NULL);
        }
        CHECK(info->limits.max_frame_bytes == 1 << 26);
        CHECK(info->limits.max_inputs_per_request == 256);
        CHECK(info->limits.max_image_pixels == 50000000);
        CHECK(info->limits.max_vectors_per_document == 4096 && info->limits.max_top_k == 1000);
        CHECK(info->limits.max_response_bytes == (uint64_t)5 << 32);
        CHECK(info->limits.max_connections_per_address == 128);
        CHECK(info->limits.max_answer_bytes_per_connection == 67108864);
        CHECK(info->limits.idle_timeout_ms == 300000);
        CHECK(info->limits.max_failed_authentications == 8);
    }
    me_info_free(info);
    me_health_status h = {0, 0};
    CHECK(c != NULL && me_health(c, &h, &err) == ME_OK);
    CHECK(h.status == ME_SERVING_STATUS_SERVING && h.queue_depth == 5);
    me_close(c);
    fs_stop(&fs);
}

/* ---- the README's worked example, byte for byte ---- */

static void h_worked_example(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    /* Request { id: 1 deadline_ms: 500 embed { inputs { text: "hi" } } } (README uses id 7). */
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x0d, 0x08, 0x01, 0x10, 0xf4, 0x03,
                                   0x52, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x68, 0x69};
    size_t len = 0;
    uint8_t *frame = fs_read_frame(fd, &len);
    CHECK(frame != NULL && len == sizeof want - 4 && memcmp(frame, want + 4, len) == 0);
    free(frame);
    /* The README's answer, with the id byte changed from 7 to 1. */
    static const uint8_t answer[] = {
        0x00, 0x00, 0x00, 0x1b, 0x08, 0x01, 0x52, 0x17, 0x0a, 0x0e, 0x12, 0x0c, 0x08, 0x02, 0x12,
        0x08, 0x9a, 0x99, 0x19, 0x3f, 0xcd, 0xcc, 0x4c, 0x3f, 0x12, 0x02, 0x08, 0x03, 0x1a, 0x01,
        0x6d};
    CHECK(fs_send_raw(fd, answer, sizeof answer));
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void worked_example(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_worked_example, NULL, NULL);
    me_input in = me_text("hi");
    me_embed_options o = {.deadline_ms = 500};
    me_error err;
    me_result *r = c ? me_embed(c, &in, 1, &o, &err) : NULL;
    CHECK_CODE(err, ME_OK);
    CHECK(r != NULL && r->count == 1 && strcmp(r->model, "m") == 0 && r->usage.tokens == 3);
    if (r != NULL && r->embeddings[0].pooled != NULL) {
        CHECK(r->embeddings[0].dimension == 2);
        CHECK_FLOAT(r->embeddings[0].pooled[0], 0.6f, 0);
        CHECK_FLOAT(r->embeddings[0].pooled[1], 0.8f, 0);
    }
    me_result_free(r);
    me_close(c);
    fs_stop(&fs);
}

const test_case embed_tests[] = {
    {"embed: every request field reaches the server", request_fields},
    {"embed: defaults, prompt_name, empty instruction, handle api key", defaults_and_prompts},
    {"embed: float16, int8, binary decoded from the wire", encodings_on_the_wire},
    {"embed: per-input errors, status errors, all_or_nothing", status_and_input_errors},
    {"info and health", info_and_health},
    {"wire: the README's worked example byte for byte", worked_example},
    {NULL, NULL},
};
