/*
 * multiembed.h - C client for a MultiEmbed server.
 *
 * Speaks the wire protocol of Protos/README.md (a 4-byte big-endian length, then one protobuf
 * Request or Response) over one TCP connection per handle, so that any language with a C FFI
 * (Rust, Go, Ruby, Lua, C++, ...) can embed texts, images and image patches without a protobuf
 * runtime of its own.
 *
 * Conventions, for every function below:
 *   - Errors: every function that can fail takes a `me_error *err` (may be NULL when the caller
 *     does not care) and fills it on failure with a gRPC status code (me_code) and an English
 *     message. The codes of the server are passed through unchanged; failures on the client side
 *     use the closest gRPC code (see me_code). On success err->code is ME_OK.
 *   - Ownership: pointers passed in are borrowed for the duration of the call only and never
 *     kept (strings are copied). Every pointer returned belongs to the caller and is released
 *     with the matching *_free function.
 *   - No global state: the library keeps nothing outside its handles, needs no init call and
 *     installs no signal handlers (writes use MSG_NOSIGNAL / SO_NOSIGPIPE instead of relying on
 *     SIGPIPE being ignored).
 *   - Threads: a handle serialises its calls with a mutex, so several threads may share one, but
 *     calls on it then run one at a time. For parallel requests open one handle per thread.
 *     me_close must not race with other calls on the same handle.
 */
#ifndef MULTIEMBED_H
#define MULTIEMBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions the shared library exports; everything else in it is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define ME_API __attribute__((visibility("default")))
#else
#define ME_API
#endif

/* Status codes: gRPC's canonical codes, with the same numbers the server sends. Client-side
 * failures map to: ME_INVALID_ARGUMENT (bad arguments to a call, invalid UTF-8 text),
 * ME_DEADLINE_EXCEEDED (connect or call timeout), ME_UNAVAILABLE (cannot connect, connection
 * closed or reset), ME_RESOURCE_EXHAUSTED (a response frame over max_response_bytes, out of
 * memory), ME_INTERNAL (a response that does not decode or does not fit its request). */
typedef enum me_code {
    ME_OK = 0,
    ME_CANCELLED = 1,
    ME_UNKNOWN = 2,
    ME_INVALID_ARGUMENT = 3,
    ME_DEADLINE_EXCEEDED = 4,
    ME_NOT_FOUND = 5,
    ME_ALREADY_EXISTS = 6,
    ME_PERMISSION_DENIED = 7,
    ME_RESOURCE_EXHAUSTED = 8,
    ME_FAILED_PRECONDITION = 9,
    ME_ABORTED = 10,
    ME_OUT_OF_RANGE = 11,
    ME_UNIMPLEMENTED = 12,
    ME_INTERNAL = 13,
    ME_UNAVAILABLE = 14,
    ME_DATA_LOSS = 15,
    ME_UNAUTHENTICATED = 16
} me_code;

/* An error: `code` is a me_code (an int so that codes from a newer server survive), `message`
 * a NUL-terminated English explanation, cut to fit. */
typedef struct me_error {
    int code;
    char message[256];
} me_error;

/* The name of a code, such as "INVALID_ARGUMENT"; "UNKNOWN_CODE" for numbers outside 0..16.
 * Returns a static string (never NULL, never to be freed). */
ME_API const char *me_code_name(int code);

/* Connection options. Initialise with me_options_init (or zero it: zero means "default" for
 * every field), then set what differs. */
typedef struct me_options {
    /* Longest wait for the TCP connection, in ms. 0 = 10000. */
    uint32_t connect_timeout_ms;
    /* Longest wait for one call (sending the request and reading its whole response), in ms,
     * unless the call's own options give one. 0 = no limit. A call that times out returns
     * ME_DEADLINE_EXCEEDED and closes the connection (which cancels the server's queued work);
     * the next call reconnects. */
    uint32_t call_timeout_ms;
    /* Largest response frame accepted, in bytes, length prefix excluded. 0 = 256 MiB. A longer
     * frame is refused from its length prefix alone (nothing is allocated for it) with
     * ME_RESOURCE_EXHAUSTED. Decoded vectors take at most 32 times this many bytes (binary
     * encoding expands one bit into one float). */
    uint32_t max_response_bytes;
    /* API key sent with every request, for a server started with --api-key-file. NULL or ""
     * = none. Copied by me_connect. */
    const char *api_key;
} me_options;

/* Sets every field of *opts to its default. */
ME_API void me_options_init(me_options *opts);

/* A connection to one server. Opaque: only pointers to it exist. */
typedef struct me_client me_client;

/* Connects to host:port (a name or a numeric IPv4/IPv6 address; every address the name
 * resolves to is tried in turn, within connect_timeout_ms each). opts may be NULL for the
 * defaults. Returns a handle to release with me_close, or NULL with *err filled
 * (ME_UNAVAILABLE, ME_DEADLINE_EXCEEDED, ME_INVALID_ARGUMENT). Name resolution itself uses
 * getaddrinfo, which the timeout does not bound. When a later call finds the connection broken,
 * it reconnects to the same host and port before sending. */
ME_API me_client *me_connect(const char *host, uint16_t port, const me_options *opts, me_error *err);

/* Closes the connection and frees the handle. NULL is allowed and does nothing. */
ME_API void me_close(me_client *client);

/* ---- Embed --------------------------------------------------------------------------------- */

typedef enum me_input_kind {
    ME_INPUT_TEXT = 1,
    ME_INPUT_IMAGE = 2,
    ME_INPUT_PATCHES = 3
} me_input_kind;

/* One thing to embed. Build it with me_text / me_image / me_patches, or fill the fields of
 * its kind. Every pointer is borrowed for the duration of me_embed only. */
typedef struct me_input {
    me_input_kind kind;
    /* ME_INPUT_TEXT: NUL-terminated UTF-8 (invalid UTF-8 is refused with ME_INVALID_ARGUMENT
     * before anything is sent, since the server would drop the whole connection). */
    const char *text;
    /* ME_INPUT_IMAGE: the bytes of a PNG or JPEG file, and an optional name (NULL = none) that
     * the server quotes in its error messages. */
    const uint8_t *image;
    size_t image_len;
    const char *image_name;
    /* ME_INPUT_PATCHES: a rows x cols grid of square patches, patch-major, each patch in
     * (channel, y, x) order: rows * cols * channels * patch_size * patch_size floats, already
     * normalised (see ModelInfo.image_mean / image_std). */
    uint32_t rows, cols, patch_size, channels;
    const float *patches;
} me_input;

/* Convenience constructors; they copy no data (the pointers must outlive me_embed). */
ME_API me_input me_text(const char *text);
ME_API me_input me_image(const uint8_t *data, size_t len, const char *name);
ME_API me_input me_patches(uint32_t rows, uint32_t cols, uint32_t patch_size, uint32_t channels,
                    const float *data);

/* Values of the protocol's enums (embed.proto), with the same numbers. */
typedef enum me_output {
    ME_OUTPUT_POOLED = 0,       /* one vector per input (the default) */
    ME_OUTPUT_MULTI_VECTOR = 1, /* one vector per token or patch */
    ME_OUTPUT_BOTH = 2
} me_output;

typedef enum me_encoding {
    ME_ENCODING_FLOAT32 = 0, /* exact (the default) */
    ME_ENCODING_FLOAT16 = 1, /* half the bytes on the wire; decoded exactly from half floats */
    ME_ENCODING_INT8 = 2,    /* decoded as int8 * scale */
    ME_ENCODING_BINARY = 3   /* sign bits; decoded as 1.0f (value > 0) or -1.0f (otherwise) */
} me_encoding;

typedef enum me_normalize {
    ME_NORMALIZE_MODEL_DEFAULT = 0,
    ME_NORMALIZE_ON = 1,
    ME_NORMALIZE_OFF = 2
} me_normalize;

typedef enum me_truncate {
    ME_TRUNCATE_END = 0,  /* keep the start of an over-long text (the default) */
    ME_TRUNCATE_START = 1, /* keep its end */
    ME_TRUNCATE_ERROR = 2  /* fail that input with ME_INVALID_ARGUMENT */
} me_truncate;

/* Options of one me_embed call. A zeroed struct asks for every default. */
typedef struct me_embed_options {
    /* Model name as me_info lists it; NULL or "" = the server's default model. */
    const char *model;
    /* At most one of these two. prompt_name: a prompt of the model by name ("query",
     * "document", ...). instruction: free text prepended to each text. NULL = unset (the
     * model's default prompt applies); "" = no prompt at all. */
    const char *prompt_name;
    const char *instruction;
    me_output output;
    /* Matryoshka truncation of pooled vectors; 0 = the model's full dimension. */
    uint32_t dimensions;
    me_normalize normalize;
    /* Wire encoding; the result always holds floats, decoded from it. */
    me_encoding encoding;
    me_truncate truncate;
    /* true: one bad input fails the whole call (err gets the first failed input's code). */
    bool all_or_nothing;
    /* Server-side deadline in ms, counted from the server's receipt of the request; work not
     * done by then is dropped with ME_DEADLINE_EXCEEDED. 0 = none. */
    uint32_t deadline_ms;
    /* Client-side limit for this call in ms; 0 = the handle's call_timeout_ms. */
    uint32_t timeout_ms;
    /* API key for this call; NULL = the handle's. */
    const char *api_key;
} me_embed_options;

/* The vectors of one input. Float arrays are NULL when absent. */
typedef struct me_embedding {
    /* Position of the input in the call's inputs. */
    uint32_t index;
    /* Pooled vector: `dimension` floats (OUTPUT_POOLED, OUTPUT_BOTH). */
    float *pooled;
    uint32_t dimension;
    /* Token or patch vectors: a `count` x `token_dimension` row-major matrix
     * (OUTPUT_MULTI_VECTOR, OUTPUT_BOTH). */
    float *multi_vector;
    uint32_t count;
    uint32_t token_dimension;
    /* The text was cut to the model's token limit. */
    bool truncated;
    /* ME_OK, or why this input alone failed (then pooled and multi_vector are NULL). */
    int error_code;
    /* NULL when error_code is ME_OK, otherwise the server's explanation. */
    char *error_message;
} me_embedding;

/* What the request cost (Usage in embed.proto). */
typedef struct me_usage {
    uint64_t tokens;
    uint64_t pixels;
    uint64_t patches;
    uint64_t queue_time_us;
    uint64_t inference_time_us;
} me_usage;

/* The result of me_embed, owned by the caller and released with me_result_free (which frees
 * every array and string inside it). */
typedef struct me_result {
    /* One per input, in input order (embeddings[i].index == i). */
    me_embedding *embeddings;
    size_t count;
    /* Inputs that failed alone (the entries with error_code != ME_OK). */
    size_t failed;
    me_usage usage;
    /* The name of the model that answered. */
    char *model;
} me_result;

/* Embeds `n` inputs (n >= 1) in one request. opts may be NULL for the defaults. Returns the
 * result, or NULL with *err filled when the call failed as a whole. When only some inputs
 * failed, the result is returned, err->code is ME_OK, result->failed counts them and each
 * failed embedding carries its error. */
ME_API me_result *me_embed(me_client *client, const me_input *inputs, size_t n,
                    const me_embed_options *opts, me_error *err);

/* Convenience: me_embed of `n` NUL-terminated texts. */
ME_API me_result *me_embed_texts(me_client *client, const char *const *texts, size_t n,
                          const me_embed_options *opts, me_error *err);

/* Frees a result and everything in it. NULL is allowed. */
ME_API void me_result_free(me_result *result);

/* ---- Info ---------------------------------------------------------------------------------- */

/* One prompt of a model: its name and the text it prepends. */
typedef struct me_prompt {
    char *name;
    char *text;
} me_prompt;

/* One model the server serves (ModelInfo in info.proto). Kinds are me_input_kind values. */
typedef struct me_model_info {
    char *name;
    char *architecture;
    uint32_t dimension;
    uint32_t token_dimension;     /* 0 = no multi-vector output */
    uint32_t *allowed_dimensions; /* n_allowed_dimensions values, increasing */
    size_t n_allowed_dimensions;
    me_prompt *prompts;
    size_t n_prompts;
    char *default_prompt_name; /* "" = none */
    int *input_kinds;
    size_t n_input_kinds;
    uint32_t max_input_tokens;
    uint32_t patch_size;
    uint32_t image_size;
    bool normalizes;
    float *image_mean; /* n_channels values each; NULL for a text-only model */
    float *image_std;
    size_t n_channels;
} me_model_info;

/* The server's limits (0 = no limit). */
typedef struct me_limits {
    uint32_t max_frame_bytes;
    uint32_t max_inputs_per_request;
    uint32_t max_batch_tokens;
    uint32_t max_text_bytes;
    uint32_t max_image_bytes;
    uint64_t max_image_pixels;
    uint32_t max_patches;
    uint32_t max_connections;
} me_limits;

/* The server's description, owned by the caller, released with me_info_free. */
typedef struct me_server_info {
    char *version;
    me_model_info *models; /* n_models entries; the first is the default model */
    size_t n_models;
    me_limits limits;
} me_server_info;

/* Asks the server for its version, models and limits. Returns NULL with *err on failure. */
ME_API me_server_info *me_info(me_client *client, me_error *err);

/* Frees an me_server_info and everything in it. NULL is allowed. */
ME_API void me_info_free(me_server_info *info);

/* ---- Health -------------------------------------------------------------------------------- */

typedef enum me_serving_status {
    ME_SERVING_STATUS_UNSPECIFIED = 0,
    ME_SERVING_STATUS_SERVING = 1,
    ME_SERVING_STATUS_NOT_SERVING = 2,
    ME_SERVING_STATUS_DRAINING = 3
} me_serving_status;

typedef struct me_health_status {
    int status; /* a me_serving_status */
    uint32_t queue_depth;
} me_health_status;

/* Asks whether the server is serving. Fills *out (caller's storage) and returns ME_OK, or
 * returns the error code with *err filled. */
ME_API int me_health(me_client *client, me_health_status *out, me_error *err);

/* ---- Similarity helper --------------------------------------------------------------------- */

/* Cosine similarity of two vectors of `n` floats; 0 when either has zero length. */
ME_API float me_cosine(const float *a, const float *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MULTIEMBED_H */
