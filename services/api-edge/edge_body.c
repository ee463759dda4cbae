/* edge_body.c - api-edge's JSON request bodies: content type, one object, the fields a route takes */
#include "edge_body.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_jtok.h"
#include "edge_reply.h"

bool
edge_body_is_json(const char *ctype, size_t len)
{
    static const char want[] = "application/json";
    size_t n = sizeof want - 1;
    if (ctype == NULL || len < n || strncasecmp(ctype, want, n) != 0) {
        return false;
    }
    size_t i = n;
    while (i < len && (ctype[i] == ' ' || ctype[i] == '\t')) {
        i++;
    }
    return i == len || ctype[i] == ';';
}

size_t
edge_body_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char) s[i] & 0xc0) != 0x80;
    }
    return n;
}

static bool
s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int
edge_body_text(const char *body, size_t len, size_t max_chars, cb_buf_t *out, char *err,
               size_t errsize)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    doc.max_tokens = 4096;
    int rc = CB_E_BAD_REQUEST;
    if (len == 0 || cb_jdoc_parse(&doc, body, len) != 0 || cb_jtok_type(&doc, 0) != CB_JT_OBJECT) {
        rc = edge_reply_bad_request(err, errsize, "body must be a JSON object such as {\"text\": \"...\"}");
        goto done;
    }
    int t = cb_jtok_get(&doc, 0, "text");
    if (t < 0) {
        rc = edge_reply_bad_request(err, errsize, "text is required");
        goto done;
    }
    cb_buf_reset(out);
    if (cb_jtok_type(&doc, t) != CB_JT_STRING || cb_buf_reserve(out, len + 1) != 0) {
        rc = edge_reply_bad_request(err, errsize, "text must be a string");
        goto done;
    }
    int n = cb_jtok_string(&doc, t, out->data, out->cap);
    if (n < 0) {
        rc = edge_reply_bad_request(err, errsize, "text must be a string of valid UTF-8");
        goto done;
    }
    size_t a = 0;
    size_t b = (size_t) n;
    while (a < b && s_space(out->data[a])) {
        a++;
    }
    while (b > a && s_space(out->data[b - 1])) {
        b--;
    }
    memmove(out->data, out->data + a, b - a);
    out->len = b - a;
    out->data[out->len] = '\0';
    if (out->len == 0) {
        rc = edge_reply_bad_request(err, errsize, "text is empty");
    } else if (edge_body_utf8_chars(out->data, out->len) > max_chars) {
        rc = edge_reply_bad_request(err, errsize, "text is longer than %zu characters", max_chars);
    } else {
        rc = 0;
    }
done:
    cb_jdoc_fini(&doc);
    return rc;
}
