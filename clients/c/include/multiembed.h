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
    ME_INPUT_PATCHES = 3,
    ME_INPUT_PAGE = 4 /* a document page: an image (OCR) or a page of a PDF */
} me_input_kind;

/* What an ME_INPUT_PAGE input's bytes are. */
typedef enum me_page_format {
    ME_PAGE_IMAGE = 0, /* a PNG or JPEG image of the page, read by OCR */
    ME_PAGE_PDF = 1    /* a PDF file: its own text layer, or OCR of a page without one */
} me_page_format;

/* One thing to embed. Build it with me_text / me_image / me_patches / me_page_image /
 * me_page_pdf, or fill the fields of its kind. Every pointer is borrowed for the duration of
 * the call only. */
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
    /* ME_INPUT_PAGE (appended; zero for the other kinds): a document page, read by the server
     * into its text layer (words with their boxes) and embedded by the model's text tower as
     * that text; the model must have one. page / page_len: the bytes, in page_format.
     * page_number: PDF only, from 1; 0 = page 1, except in me_upsert, where a PDF with
     * page_number 0 becomes one document per page, ids "<id>#<n>" (n from 1).
     * languages: n_languages OCR language names as Tesseract spells them ("eng", "deu");
     * none = the server's default. page_name: for the server's error messages (NULL = none). */
    const uint8_t *page;
    size_t page_len;
    me_page_format page_format;
    uint32_t page_number;
    const char *const *languages;
    size_t n_languages;
    const char *page_name;
} me_input;

/* Convenience constructors; they copy no data (the pointers must outlive me_embed). */
ME_API me_input me_text(const char *text);
ME_API me_input me_image(const uint8_t *data, size_t len, const char *name);
ME_API me_input me_patches(uint32_t rows, uint32_t cols, uint32_t patch_size, uint32_t channels,
                    const float *data);
/* A page image (PNG or JPEG bytes), read by OCR in the server's default languages. */
ME_API me_input me_page_image(const uint8_t *data, size_t len, const char *name);
/* Page `page_number` (from 1; 0 = page 1, or every page in me_upsert) of a PDF file's bytes. */
ME_API me_input me_page_pdf(const uint8_t *data, size_t len, uint32_t page_number,
                            const char *name);

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

/* One word of a page's text layer. */
typedef struct me_page_word {
    char *text;
    /* Its box in pixels from the page image's top-left corner (a PDF page: as rendered at
     * me_page_text.dpi). */
    uint32_t x, y, width, height;
    /* OCR confidence, 0 to 100; -1 for a word of a PDF's own text layer (exact). */
    float confidence;
    /* Block and line numbers in reading order: the words of one line share both. */
    uint32_t block, line;
} me_page_word;

/* A page's text layer as the server read it (PageText in pages.proto). */
typedef struct me_page_text {
    /* Size in pixels of the page image the boxes refer to. */
    uint32_t width, height;
    me_page_word *words; /* n_words entries, NULL when none */
    size_t n_words;
    char *text;   /* the words joined by spaces, a line break between lines */
    char *source; /* "ocr", "pdf" (the PDF's text layer) or "given" */
    char *note;   /* why the text is empty or partial, or "" */
    uint32_t dpi; /* PDF pages: the resolution the boxes are in; 0 otherwise */
} me_page_text;

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
    /* Appended. An ME_INPUT_PAGE input's text layer, as read; NULL for other inputs and failed
     * ones. Freed with the result. */
    me_page_text *page_text;
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
/* How a model's Linear layers compute (me_model_info.compute_precision). */
typedef enum me_compute_precision {
    ME_COMPUTE_UNSPECIFIED = 0, /* a server older than the field: it computes in float32 */
    ME_COMPUTE_FLOAT32 = 1,
    ME_COMPUTE_BF16 = 2, /* bf16 weights and activations, float32 sums: cosine to float32 >= 0.999 */
    ME_COMPUTE_INT8 = 3  /* int8 weights per output channel, activations per row: cosine >= 0.99 */
} me_compute_precision;

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
    /* A value this header does not name (a newer server) is passed on as it came. */
    me_compute_precision compute_precision;
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
    uint32_t max_vectors_per_document; /* vectors of one upserted document or query */
    uint32_t max_top_k;                /* largest me_search_options.top_k */
    /* Largest embed response the server computes, in bytes, estimated beforehand; larger is
     * ME_RESOURCE_EXHAUSTED for the whole request. (Not me_options.max_response_bytes, the
     * client's own bound on what it reads.) */
    uint64_t max_response_bytes;
    /* Most open connections from one client address (beyond it: ME_RESOURCE_EXHAUSTED). */
    uint32_t max_connections_per_address;
    /* Most bytes of embed answers one connection may hold unread; later requests wait. */
    uint64_t max_answer_bytes_per_connection;
    /* A connection idle this long (ms) is closed by the server; the next call reconnects. */
    uint32_t idle_timeout_ms;
    /* Requests answered ME_UNAUTHENTICATED on one connection before the server closes it. */
    uint32_t max_failed_authentications;
    /* Requests of one connection worked on at once (beyond it: ME_RESOURCE_EXHAUSTED). */
    uint32_t max_in_flight_per_connection;
    /* A frame must arrive in full within this many ms of its first byte, or the server closes. */
    uint32_t frame_timeout_ms;
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

/* ---- Late interaction: collections, search and score ------------------------------------- */
/*
 * Multi-vector retrieval (ColBERT / ColPali style; Protos/multiembed/v1/collections.proto): a
 * document keeps one vector per token or image patch, and a query scores it by MaxSim,
 * sum over the query's vectors of the best dot product with the document's vectors. The server
 * keeps collections durably on disk. Each function sends one request: pass at most the server's
 * max_inputs_per_request documents or ids (me_info) per call.
 */

/* Options every late-interaction call takes. A zeroed struct (or NULL) asks for the defaults. */
typedef struct me_call_options {
    /* Server-side deadline in ms (as me_embed_options.deadline_ms); 0 = none. */
    uint32_t deadline_ms;
    /* Client-side limit for this call in ms; 0 = the handle's call_timeout_ms. */
    uint32_t timeout_ms;
    /* API key for this call; NULL = the handle's. */
    const char *api_key;
} me_call_options;

/* How a collection stores its vectors (the protocol's Precision). */
typedef enum me_precision {
    ME_PRECISION_FLOAT32 = 0, /* the default */
    ME_PRECISION_FLOAT16 = 1,
    ME_PRECISION_INT8 = 2,
    ME_PRECISION_BINARY = 3   /* sign bits, re-scored on a float16 copy */
} me_precision;

typedef enum me_source_kind {
    ME_SOURCE_NONE = 0,   /* no vectors: a dense collection's document given by its pooled vector
                           * alone (me_document.pooled), or no query (me_search with
                           * query_pooled); a zeroed me_source is this kind */
    ME_SOURCE_INPUT = 1,  /* an input for the server to embed into one vector per token/patch */
    ME_SOURCE_VECTORS = 2, /* vectors computed by the caller */
    ME_SOURCE_STORED = 3   /* a document stored in a collection, by id (me_score only) */
} me_source_kind;

/* The vectors of a query or a document. Build it with me_source_text / me_source_input /
 * me_source_vectors / me_source_stored. Pointers are borrowed for the duration of the call
 * only. */
typedef struct me_source {
    me_source_kind kind;
    /* ME_SOURCE_INPUT: a text, image, patch grid or page, as for me_embed. */
    me_input input;
    /* ME_SOURCE_VECTORS: `count` x `dimension` floats, row-major, count and dimension >= 1.
     * The server L2-normalises each row; NaN, infinite or all-zero rows are
     * ME_INVALID_ARGUMENT. */
    const float *vectors;
    uint32_t count;
    uint32_t dimension;
    /* ME_SOURCE_STORED: the id (UTF-8) of a document of me_score_options.collection, scored on
     * its stored vectors exactly as me_search scores it, so stored candidates are re-ranked
     * without sending their vectors again. Only me_score takes it (me_upsert and me_search
     * send it and the server refuses it, ME_INVALID_ARGUMENT); an id the collection does not
     * hold is ME_NOT_FOUND (an me_input_error for a document). */
    const char *id;
} me_source;

ME_API me_source me_source_text(const char *text);
ME_API me_source me_source_input(me_input input);
ME_API me_source me_source_vectors(const float *vectors, uint32_t count, uint32_t dimension);
ME_API me_source me_source_stored(const char *id);

/* One metadata entry: a key and its value, both NUL-terminated UTF-8. In results, both strings
 * belong to the result and are freed with it. */
typedef struct me_metadata {
    const char *key;
    const char *value;
} me_metadata;

/* What a collection holds per document (the protocol's CollectionKind). */
typedef enum me_collection_kind {
    /* One vector per token or patch, searched by MaxSim; each document may also have one
     * pooled vector, for ME_SEARCH_DENSE and ME_SEARCH_HYBRID. The default. */
    ME_COLLECTION_MULTI_VECTOR = 0,
    /* One pooled vector per document (the model's sentence or image embedding, or the
     * caller's me_document.pooled), searched by cosine or dot product; stored as float32. */
    ME_COLLECTION_DENSE = 1
} me_collection_kind;

/* A collection as the server describes it (CollectionInfo). */
typedef struct me_collection_info {
    char *name;
    uint32_t dimension;      /* values per vector */
    int precision;           /* a me_precision */
    uint32_t pool_factor;    /* token pooling at upsert; 1 = none */
    uint32_t max_vectors;    /* first-n truncation at upsert; 0 = keep all */
    char *model;             /* the model that embeds its inputs; "" = vectors only */
    uint64_t document_count; /* live documents */
    int kind;                /* a me_collection_kind */
} me_collection_info;

/* Options of me_create_collection. A zeroed struct (or NULL) asks for every default. */
typedef struct me_collection_options {
    /* The model whose multi-vectors the collection holds; NULL or "" = the server's default. */
    const char *model;
    /* Values per vector; 0 = the model's token dimension (required with vectors_only). */
    uint32_t dimension;
    me_precision precision;
    /* Token pooling factor; 0 or 1 = none. */
    uint32_t pool_factor;
    /* Keep only a document's first max_vectors vectors; 0 = all. */
    uint32_t max_vectors;
    /* true: the collection takes precomputed vectors only (`model` is then ignored). */
    bool vectors_only;
    me_call_options call;
    /* Multi-vector (0, the default) or dense. A dense collection's dimension defaults to the
     * model's pooled dimension (me_model_info.dimension); it takes no precision other than
     * float32 and no pool_factor or max_vectors (ME_INVALID_ARGUMENT). */
    me_collection_kind kind;
} me_collection_options;

/* Creates an empty collection. Names are 1 to 128 ASCII letters, digits, '-', '_' and '.', not
 * starting with '.'. Returns the collection as created (free with me_collection_info_free), or
 * NULL with *err: ME_ALREADY_EXISTS when the name is taken, ME_NOT_FOUND for an unknown model,
 * ME_INVALID_ARGUMENT for a bad name or option. */
ME_API me_collection_info *me_create_collection(me_client *client, const char *name,
                                                const me_collection_options *opts, me_error *err);

/* Frees one me_collection_info from me_create_collection. NULL is allowed. */
ME_API void me_collection_info_free(me_collection_info *info);

/* Every collection on the server. */
typedef struct me_collection_list {
    me_collection_info *collections;
    size_t count;
} me_collection_list;

/* Lists the collections. Returns NULL with *err on failure; free with me_collection_list_free. */
ME_API me_collection_list *me_list_collections(me_client *client, const me_call_options *opts,
                                               me_error *err);
ME_API void me_collection_list_free(me_collection_list *list);

/* Deletes a collection and all its documents, durably. Returns ME_OK, or the error code with
 * *err filled (ME_NOT_FOUND when there is no such collection). */
ME_API int me_drop_collection(me_client *client, const char *name, const me_call_options *opts,
                              me_error *err);

/* One document to upsert. */
typedef struct me_document {
    /* 1 to 256 bytes of UTF-8, unique in its collection: an existing id is replaced. */
    const char *id;
    /* Its vectors, or an input to embed. ME_SOURCE_NONE (zeroed) only with `pooled`, in a dense
     * collection. A dense collection takes inputs (the server stores their pooled embedding)
     * but not ME_SOURCE_VECTORS (ME_INVALID_ARGUMENT). */
    me_source content;
    /* n_metadata entries stored and returned with the document (at most 64, 4096 bytes). */
    const me_metadata *metadata;
    size_t n_metadata;
    /* Optional: the document's one pooled vector, pooled_dimension floats (the collection's
     * dimension, otherwise ME_FAILED_PRECONDITION), stored as given, for dense and hybrid
     * search. NULL and 0 = none. In a multi-vector collection a document given as an input
     * without one gets the model's pooled embedding; one given as vectors without one has
     * none, and dense and hybrid searches of the collection fail ME_FAILED_PRECONDITION until
     * it is replaced or deleted. In a dense collection it is the document itself (content
     * ME_SOURCE_NONE); with an input as well it is ME_INVALID_ARGUMENT. */
    const float *pooled;
    uint32_t pooled_dimension;
} me_document;

/* Options of me_upsert. A zeroed struct (or NULL) asks for every default. */
typedef struct me_upsert_options {
    /* The prompt for text documents, as in me_embed_options; both NULL = the model's document
     * convention. */
    const char *prompt_name;
    const char *instruction;
    me_truncate truncate;
    me_call_options call;
} me_upsert_options;

/* What an upsert wrote. */
typedef struct me_upsert_result {
    uint32_t upserted; /* documents written */
    me_usage usage;    /* the embedding work (zero for precomputed vectors) */
} me_upsert_result;

/* Inserts or replaces `n` documents (n >= 1) in one all-or-nothing request, answered once they
 * are durable. Fills *out (caller's storage; may be NULL) and returns ME_OK, or returns the
 * error code with *err: ME_INVALID_ARGUMENT when a document is bad (nothing is written; the
 * message names the first bad document by its index), ME_NOT_FOUND for an unknown collection,
 * ME_FAILED_PRECONDITION for vectors that do not fit the collection. */
ME_API int me_upsert(me_client *client, const char *collection, const me_document *documents,
                     size_t n, const me_upsert_options *opts, me_upsert_result *out,
                     me_error *err);

/* Deletes documents by id, durably; ids that do not exist are not an error. Stores in *deleted
 * (may be NULL) how many existed, and returns ME_OK or the error code with *err. */
ME_API int me_delete(me_client *client, const char *collection, const char *const *ids,
                     size_t n, const me_call_options *opts, uint32_t *deleted, me_error *err);

/* A document read back by me_get. */
typedef struct me_stored_document {
    char *id;
    me_metadata *metadata;
    size_t n_metadata;
    /* With include_vectors: `count` x `dimension` floats, row-major, decoded from the stored
     * precision; otherwise NULL and 0 (and always for a dense collection's documents). */
    float *vectors;
    uint32_t count;
    uint32_t dimension;
    /* With include_vectors, the document's pooled vector as stored (pooled_dimension floats);
     * NULL and 0 without include_vectors or when the document has none. */
    float *pooled;
    uint32_t pooled_dimension;
    /* Appended. A page document's text layer, as read when it was upserted from an
     * ME_INPUT_PAGE input; NULL for other documents. Freed with the documents. */
    me_page_text *page_text;
} me_stored_document;

typedef struct me_documents {
    me_stored_document *documents;
    size_t count;
} me_documents;

/* Reads documents by id: the ones that exist, in the order asked (missing ids are left out).
 * Returns NULL with *err on failure; free with me_documents_free. */
ME_API me_documents *me_get(me_client *client, const char *collection, const char *const *ids,
                            size_t n, bool include_vectors, const me_call_options *opts,
                            me_error *err);
ME_API void me_documents_free(me_documents *documents);

/* How me_search scores documents (the protocol's SearchMode). */
typedef enum me_search_mode {
    ME_SEARCH_DEFAULT = 0, /* the collection's own: MaxSim, or dense for a dense collection */
    ME_SEARCH_MAXSIM = 1,  /* MaxSim of the query's vectors (multi-vector collections) */
    ME_SEARCH_DENSE = 2,   /* the query's pooled vector against each document's, by `metric` */
    ME_SEARCH_HYBRID = 3   /* dense first stage of `candidates` documents, re-ranked by MaxSim
                            * (multi-vector collections; the scores are MaxSim scores) */
} me_search_mode;

/* The similarity of dense search and of hybrid search's first stage (the protocol's Metric). */
typedef enum me_metric {
    ME_METRIC_COSINE = 0, /* the default */
    ME_METRIC_DOT = 1     /* the L2-normalised query against each pooled vector as stored */
} me_metric;

/* Options of me_search. A zeroed struct (or NULL) asks for every default. */
typedef struct me_search_options {
    /* How many hits at most; 0 = 10. At most the server's limit (and INT32_MAX). */
    uint32_t top_k;
    /* Only these ids are candidates; n_filter_ids 0 = every document. */
    const char *const *filter_ids;
    size_t n_filter_ids;
    /* The prompt for a text query; both NULL = the model's query convention. */
    const char *prompt_name;
    const char *instruction;
    me_truncate truncate;
    me_call_options call;
    /* How documents are scored; ME_SEARCH_DEFAULT (0) = the collection's kind decides. MAXSIM or
     * HYBRID on a dense collection is ME_INVALID_ARGUMENT; DENSE or HYBRID on a multi-vector
     * collection some of whose documents have no pooled vector is ME_FAILED_PRECONDITION. */
    me_search_mode mode;
    /* Dense similarity; 0 = cosine. */
    me_metric metric;
    /* First-stage depth, 0 = the server's default: the dense candidates HYBRID re-ranks (100),
     * or the Hamming-pass candidates of a binary collection (max(100, 10 x top_k)). Fewer than
     * top_k counts as top_k. */
    uint32_t candidates;
    /* Only documents whose metadata holds every one of these n_filter_metadata keys with
     * exactly this value (bytes compared, case-sensitive); 0 = no condition. Combined with
     * filter_ids, a document must pass both. A key may appear once (ME_INVALID_ARGUMENT). */
    const me_metadata *filter_metadata;
    size_t n_filter_metadata;
    /* Optional: the query's pooled vector, query_pooled_dimension floats (the collection's
     * dimension, otherwise ME_FAILED_PRECONDITION), for the dense side of DENSE and HYBRID
     * search; the server L2-normalises it. NULL and 0 = the pooled embedding of the query's
     * input. Needed when the query is vectors or absent: with it, me_search's query may be NULL
     * (or ME_SOURCE_NONE) for a dense search. MAXSIM ignores it. */
    const float *query_pooled;
    uint32_t query_pooled_dimension;
    /* Appended. true: each hit of a page document carries the words that matched
     * (me_hit.matches); false (the default) = none. */
    bool include_matches;
} me_search_options;

/* A word of a page hit that gave query vectors their best match (MaxSim's argmax). */
typedef struct me_matched_word {
    uint32_t word_index;    /* index of the word in the page's text layer (me_page_text.words) */
    me_page_word word;      /* the word, its box, confidence, block and line */
    uint32_t *query_vectors; /* n_query_vectors positions in the query's token vectors (special
                              * tokens excluded) whose maximum this word gave; NULL when none */
    size_t n_query_vectors;
    float score;            /* the sum of those maxima: the word's share of the hit's score */
} me_matched_word;

/* One document found. */
typedef struct me_hit {
    char *id;
    float score; /* MaxSim (MAXSIM, HYBRID) or the metric's similarity (DENSE) */
    me_metadata *metadata;
    size_t n_metadata;
    /* Appended. With me_search_options.include_matches, for a page document: the words that
     * matched, as the server orders them (NULL and 0 otherwise). Freed with the result. */
    me_matched_word *matches;
    size_t n_matches;
} me_hit;

typedef struct me_search_result {
    me_hit *hits; /* best first; ties in score ordered by id */
    size_t count;
    me_usage usage;
} me_search_result;

/* A collection's best documents for `query`: by MaxSim, by pooled vectors (dense) or both
 * (hybrid), as opts->mode and the collection's kind say. `query` may be NULL only when
 * opts->query_pooled is given (a dense search). Returns NULL with *err on failure
 * (ME_NOT_FOUND for an unknown collection, ME_INVALID_ARGUMENT or ME_FAILED_PRECONDITION for a
 * mode the collection cannot serve, see me_search_options.mode); free with
 * me_search_result_free. */
ME_API me_search_result *me_search(me_client *client, const char *collection,
                                   const me_source *query, const me_search_options *opts,
                                   me_error *err);
ME_API void me_search_result_free(me_search_result *result);

/* Options of me_score. A zeroed struct (or NULL) asks for every default. */
typedef struct me_score_options {
    /* The model that embeds inputs; NULL or "" = the collection's model when `collection` is
     * set and records one, else the server's default. Another model than such a collection's
     * is ME_FAILED_PRECONDITION. */
    const char *model;
    /* Prompts for a text query and for text documents (at most one of each pair); NULL = the
     * model's conventions. */
    const char *query_prompt_name;
    const char *query_instruction;
    const char *document_prompt_name;
    const char *document_instruction;
    me_truncate truncate;
    me_call_options call;
    /* The collection that ME_SOURCE_STORED sources are read from; NULL or "" = none (needed
     * only for stored ids, ME_INVALID_ARGUMENT without it). When set, every side must have its
     * dimension (ME_FAILED_PRECONDITION), and its model embeds the inputs; unknown =
     * ME_NOT_FOUND. */
    const char *collection;
} me_score_options;

typedef struct me_scores {
    float *scores; /* one per document, in order */
    size_t count;
    me_usage usage;
} me_scores;

/* MaxSim scores of `n` documents (n >= 1) against `query` (re-ranking); either side may be a
 * stored document (me_source_stored, with opts->collection). Returns NULL with *err on failure
 * (a document that fails to embed fails the call with ME_INVALID_ARGUMENT, a stored id the
 * collection does not hold with ME_NOT_FOUND, each with an me_input_error); free with
 * me_scores_free. */
ME_API me_scores *me_score(me_client *client, const me_source *query,
                           const me_source *documents, size_t n, const me_score_options *opts,
                           me_error *err);
ME_API void me_scores_free(me_scores *scores);

/* ---- Similarity helper --------------------------------------------------------------------- */

/* Cosine similarity of two vectors of `n` floats; 0 when either has zero length. */
ME_API float me_cosine(const float *a, const float *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MULTIEMBED_H */
