/*
 * internal.h - declarations shared by the library's source files; not installed.
 *
 * Names start with me__ so they cannot clash with the public me_ names or a user's symbols;
 * the shared library exports only the public ones (see the Makefile's -fvisibility=hidden).
 */
#ifndef MULTIEMBED_INTERNAL_H
#define MULTIEMBED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiembed.h"
#include "multiembed/v1/envelope.pb-c.h"

#if defined(__GNUC__) || defined(__clang__)
#define ME__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ME__HIDDEN __attribute__((visibility("hidden")))
#else
#define ME__PRINTF(f, a)
#define ME__HIDDEN
#endif

/* ---- error.c: filling me_error ---- */

/* Sets err (if not NULL) to code and a printf-style message; returns code, so that callers can
 * write `return me__fail(err, ME_INTERNAL, "...")`. */
ME__HIDDEN int me__fail(me_error *err, int code, const char *fmt, ...) ME__PRINTF(3, 4);

/* Sets err (if not NULL) to ME_OK with an empty message. */
ME__HIDDEN void me__ok(me_error *err);

/* strdup that returns NULL for a NULL argument too (and on allocation failure). */
ME__HIDDEN char *me__strdup(const char *s);

/* ---- framing.c: sockets, deadlines and length-prefixed frames ---- */

/* A point in time on the monotonic clock, in milliseconds; ME__NO_DEADLINE = wait forever. */
#define ME__NO_DEADLINE INT64_MAX
ME__HIDDEN int64_t me__deadline_after(uint32_t timeout_ms); /* 0 -> ME__NO_DEADLINE */

/* Opens a TCP connection to host:port within deadline (each resolved address in turn).
 * On success stores a non-blocking socket in *fd and returns ME_OK. */
ME__HIDDEN int me__connect_tcp(const char *host, uint16_t port, int64_t deadline, int *fd,
                               me_error *err);

/* Writes all `len` bytes of buf (a whole frame, prefix included) before deadline. */
ME__HIDDEN int me__write_all(int fd, const uint8_t *buf, size_t len, int64_t deadline,
                             me_error *err);

/* Reads one frame: its 4-byte big-endian length, refused with ME_RESOURCE_EXHAUSTED if over
 * max_len (nothing is allocated for it), then exactly that many bytes into a malloc'd buffer
 * that the caller frees (*payload is NULL for an empty frame). A stream that ends before the
 * prefix is ME_UNAVAILABLE; one that ends inside a frame is ME_UNAVAILABLE too, naming the
 * truncation. */
ME__HIDDEN int me__read_frame(int fd, uint32_t max_len, int64_t deadline, uint8_t **payload,
                              size_t *len, me_error *err);

/* Packs `msg` as one frame (prefix + bytes) into a malloc'd buffer the caller frees. */
ME__HIDDEN int me__pack_frame(const ProtobufCMessage *msg, uint8_t **frame, size_t *len,
                              me_error *err);

/* ---- encodings.c: vector encodings of the wire, decoded to float ---- */

/* Bytes taken by one vector of `dim` values in `encoding`, in *bytes; ME_INVALID_ARGUMENT for
 * an encoding this library does not know. */
ME__HIDDEN int me__encoded_bytes(int encoding, uint32_t dim, uint64_t *bytes);

/* Decodes one vector of `dim` values from `data` (exactly me__encoded_bytes long) into out. */
ME__HIDDEN void me__decode_vector(int encoding, const uint8_t *data, uint32_t dim, float scale,
                                  float *out);

/* IEEE 754 binary16 bits to float (exact: every half is a float). */
ME__HIDDEN float me__half_to_float(uint16_t h);

/* The message of ME_UNAVAILABLE when the server closed the connection between frames. */
#define ME__MSG_CLOSED "connection closed by the server"

/* ---- client.c: one exchange ---- */

/* Sends req (body set by the caller; id and the handle's api key filled in here) under the
 * handle's lock and returns its OK Response, whose body must be `want`, or NULL with *err
 * (err must not be NULL) filled from the status or the failure. timeout_ms 0 = the handle's.
 * Free the Response with multiembed__v1__response__free_unpacked. */
ME__HIDDEN Multiembed__V1__Response *me__call(me_client *client, Multiembed__V1__Request *req,
                                              Multiembed__V1__Response__BodyCase want,
                                              uint32_t timeout_ms, me_error *err);

/* ---- request.c: protobuf inputs and the EmbedRequest from the public inputs and options ---- */

/* Every allocation of one request's protobuf objects, freed together. Zero-initialised (or
 * me__arena_init) is empty. */
typedef struct me__arena {
    void **blocks;
    size_t n, cap;
} me__arena;

ME__HIDDEN void me__arena_init(me__arena *arena);
/* A zeroed block of `size` bytes owned by the arena; NULL when out of memory. */
ME__HIDDEN void *me__arena_alloc(me__arena *arena, size_t size);
ME__HIDDEN void me__arena_free(me__arena *arena);

/* `count` floats as little-endian float32 bytes (the wire's order), in the arena; NULL when
 * out of memory. */
ME__HIDDEN uint8_t *me__floats_le(me__arena *arena, const float *values, size_t count);

/* Fills *pb from one public input, checked (UTF-8, NULL pointers, sizes); texts and images are
 * borrowed from the caller, patch data copied into the arena. `what` and `i` name the input in
 * error messages ("input 3", "document 3"). */
ME__HIDDEN int me__input_fill(Multiembed__V1__Input *pb, const me_input *in, const char *what,
                              size_t i, me__arena *arena, me_error *err);

/* The protobuf objects of one embed request and the arena they point into. */
typedef struct me__embed_request {
    Multiembed__V1__EmbedRequest embed;
    me__arena arena;
} me__embed_request;

/* Validates inputs and options and fills *req, which points into the caller's texts and images
 * (borrowed) and into its own copies of patch data. Free with me__embed_request_free (also
 * after a failure). */
ME__HIDDEN int me__embed_request_build(me__embed_request *req, const me_input *inputs, size_t n,
                                       const me_embed_options *opts, me_error *err);
ME__HIDDEN void me__embed_request_free(me__embed_request *req);

/* ME_OK when s is NULL or valid UTF-8; otherwise ME_INVALID_ARGUMENT naming `what`. */
ME__HIDDEN int me__check_utf8(const char *s, const char *what, me_error *err);

/* Whether s is well-formed UTF-8, as protobuf requires of every string field. */
ME__HIDDEN bool me__valid_utf8(const char *s);

/* ---- result.c: responses to public results ---- */

/* Turns an OK EmbedResponse (with its Status, for per-input errors) into a result for a
 * request of n_inputs inputs in `encoding`. Checks every size against the data actually
 * received, so a lying server gets ME_INTERNAL, never an over-read or a huge allocation. */
ME__HIDDEN me_result *me__result_from_embed(const Multiembed__V1__EmbedResponse *resp,
                                            const Multiembed__V1__Status *status,
                                            size_t n_inputs, int encoding, me_error *err);

/* Copies one PageWord into *out (text duplicated); false when out of memory (then *out holds
 * nothing to free). A NULL word copies as an empty one. */
ME__HIDDEN bool me__page_word_copy(me_page_word *out, const Multiembed__V1__PageWord *pb);

/* A caller-owned copy of a PageText; NULL when out of memory. */
ME__HIDDEN me_page_text *me__page_text_copy(const Multiembed__V1__PageText *pb);

/* Frees a me__page_text_copy; NULL is allowed. */
ME__HIDDEN void me__page_text_free(me_page_text *text);

ME__HIDDEN me_server_info *me__info_from_response(const Multiembed__V1__InfoResponse *resp,
                                                  me_error *err);

#endif /* MULTIEMBED_INTERNAL_H */
