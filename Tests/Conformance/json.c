/* json.c - see json.h. Recursive descent over a NUL-terminated buffer. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *p;
    char *err;
    size_t err_len;
} parser;

static int fail(parser *ps, const char *what)
{
    snprintf(ps->err, ps->err_len, "%s at \"%.20s\"", what, ps->p);
    return -1;
}

static void skip_space(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static int parse_value(parser *ps, js_value *out, int depth);

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8; buf has room (the escape it came from is longer). */
static size_t put_utf8(char *buf, unsigned cp)
{
    if (cp < 0x80) { buf[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6)); buf[1] = (char)(0x80 | (cp & 0x3F)); return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12)); buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18)); buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int parse_string(parser *ps, char **out)
{
    if (*ps->p != '"') return fail(ps, "expected a string");
    const char *start = ++ps->p;
    const char *end = start;
    while (*end && *end != '"') end += (*end == '\\' && end[1]) ? 2 : 1;
    if (*end != '"') return fail(ps, "unterminated string");
    char *s = malloc((size_t)(end - start) + 1), *w = s;
    if (s == NULL) return fail(ps, "out of memory");
    while (ps->p < end) {
        char c = *ps->p++;
        if (c != '\\') { *w++ = c; continue; }
        c = *ps->p++;
        switch (c) {
        case '"': case '\\': case '/': *w++ = c; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, low;
            if (end - ps->p < 4 || hex4(ps->p, &cp) != 0) { free(s); return fail(ps, "bad \\u escape"); }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
                hex4(ps->p + 2, &low) == 0 && low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                ps->p += 6;
            }
            w += put_utf8(w, cp);
            break;
        }
        default: free(s); return fail(ps, "bad escape");
        }
    }
    *w = '\0';
    ps->p = end + 1;
    *out = s;
    return 0;
}

/* Parses the items of an array (keys == 0) or the members of an object (keys == 1). */
static int parse_container(parser *ps, js_value *out, int keys, int depth)
{
    char close = keys ? '}' : ']';
    size_t cap = 0;
    ps->p++;
    skip_space(ps);
    if (*ps->p == close) { ps->p++; return 0; }
    for (;;) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 8;
            js_value *items = realloc(out->items, cap * sizeof *items);
            if (items == NULL) return fail(ps, "out of memory");
            out->items = items;
            if (keys) {
                char **names = realloc(out->keys, cap * sizeof *names);
                if (names == NULL) return fail(ps, "out of memory");
                out->keys = names;
            }
        }
        skip_space(ps);
        if (keys) {
            if (parse_string(ps, &out->keys[out->n]) != 0) return -1;
            skip_space(ps);
            if (*ps->p != ':') { free(out->keys[out->n]); return fail(ps, "expected ':'"); }
            ps->p++;
        }
        memset(&out->items[out->n], 0, sizeof out->items[0]);
        if (parse_value(ps, &out->items[out->n], depth + 1) != 0) {
            js_free(&out->items[out->n]);
            if (keys) free(out->keys[out->n]);
            return -1;
        }
        out->n++;
        skip_space(ps);
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == close) { ps->p++; return 0; }
        return fail(ps, keys ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *ps, js_value *out, int depth)
{
    if (depth > 64) return fail(ps, "nested too deeply");
    skip_space(ps);
    switch (*ps->p) {
    case '{': out->type = JS_OBJECT; return parse_container(ps, out, 1, depth);
    case '[': out->type = JS_ARRAY; return parse_container(ps, out, 0, depth);
    case '"': out->type = JS_STRING; return parse_string(ps, &out->string);
    case 't':
        if (strncmp(ps->p, "true", 4) != 0) return fail(ps, "bad literal");
        out->type = JS_BOOL; out->boolean = 1; ps->p += 4; return 0;
    case 'f':
        if (strncmp(ps->p, "false", 5) != 0) return fail(ps, "bad literal");
        out->type = JS_BOOL; out->boolean = 0; ps->p += 5; return 0;
    case 'n':
        if (strncmp(ps->p, "null", 4) != 0) return fail(ps, "bad literal");
        out->type = JS_NULL; ps->p += 4; return 0;
    default: {
        char *end;
        out->number = strtod(ps->p, &end);
        if (end == ps->p) return fail(ps, "unexpected character");
        out->type = JS_NUMBER;
        ps->p = end;
        return 0;
    }
    }
}

int js_parse(const char *text, js_value *out, char *err, size_t err_len)
{
    parser ps = {text, err, err_len};
    memset(out, 0, sizeof *out);
    if (parse_value(&ps, out, 0) != 0) { js_free(out); return -1; }
    skip_space(&ps);
    if (*ps.p != '\0') { js_free(out); return fail(&ps, "trailing characters"); }
    return 0;
}

void js_free(js_value *value)
{
    if (value == NULL) return;
    for (size_t i = 0; i < value->n; i++) {
        js_free(&value->items[i]);
        if (value->keys != NULL) free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->string);
    memset(value, 0, sizeof *value);
}

const js_value *js_get(const js_value *object, const char *key)
{
    if (object == NULL || object->type != JS_OBJECT) return NULL;
    for (size_t i = 0; i < object->n; i++)
        if (strcmp(object->keys[i], key) == 0) return &object->items[i];
    return NULL;
}
