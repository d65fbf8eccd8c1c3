/*
 * json.h - a minimal JSON reader for the C conformance driver: enough for cases.json
 * (objects, arrays, strings with every escape, numbers, true/false/null), no more.
 * The whole document is parsed into a tree of js_value, freed with js_free.
 */
#ifndef CONFORMANCE_JSON_H
#define CONFORMANCE_JSON_H

#include <stddef.h>

typedef enum js_type { JS_NULL, JS_BOOL, JS_NUMBER, JS_STRING, JS_ARRAY, JS_OBJECT } js_type;

typedef struct js_value {
    js_type type;
    int boolean;
    double number;
    char *string;            /* JS_STRING: NUL-terminated UTF-8 (no embedded NUL expected) */
    struct js_value *items;  /* JS_ARRAY / JS_OBJECT: n values */
    char **keys;             /* JS_OBJECT: n keys */
    size_t n;
} js_value;

/* Parses `text`; returns 0 and fills *out, or -1 with a message in err (err_len bytes). */
int js_parse(const char *text, js_value *out, char *err, size_t err_len);
void js_free(js_value *value);

/* The member `key` of an object, or NULL when absent (or when v is not an object). */
const js_value *js_get(const js_value *object, const char *key);

#endif
