/* cb_creds_doc.c - the credential document {"<venue>": {"api_key", "api_secret"}}: parse, edit, write */
#include <stdio.h>
#include <string.h>

#include "cb_creds_impl.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_secmem.h"

cb_creds_doc_t *
cb_creds_doc_new(void)
{
    return cb_secmem_alloc(sizeof(cb_creds_doc_t));
}

void
cb_creds_doc_destroy(cb_creds_doc_t **doc)
{
    if (doc != NULL) {
        cb_secmem_free((void **) doc, sizeof(cb_creds_doc_t));
    }
}

static bool
s_venue_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > CB_VENUE_NAME_MAX) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        char c = v[k];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (k > 0 && (c == '_' || c == '.' || c == '-'));
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* One string field of a venue's object into buf. */
static int
s_field(const cb_jdoc_t *jd, int obj, const char *name, const char *venue, char *buf,
        size_t size, char *why, size_t why_size)
{
    int i = cb_jtok_get(jd, obj, name);
    if (i < 0) {
        snprintf(why, why_size, "venue %s has no \"%s\"", venue, name);
        return CB_E_PARSE;
    }
    int n = cb_jtok_string(jd, i, buf, size);
    if (n < 0) {
        snprintf(why, why_size, "venue %s: \"%s\" is not a string of at most %zu bytes", venue,
                 name, size - 1);
        return CB_E_PARSE;
    }
    return 0;
}

int
cb_creds_doc_parse(cb_creds_doc_t *doc, const char *json, size_t len, char *why,
                   size_t why_size)
{
    memset(doc, 0, sizeof *doc);
    cb_jdoc_t jd;
    cb_jdoc_init(&jd);
    jd.max_tokens = 1 + CB_CREDS_DOC_MAX * 12;
    int rc = cb_jdoc_parse(&jd, json, len);
    if (rc != 0) {
        snprintf(why, why_size, "not JSON%s",
                 rc == CB_E_TOO_BIG ? " of a size a credentials file can have" : "");
        rc = CB_E_PARSE;
        goto done;
    }
    if (cb_jtok_type(&jd, 0) != CB_JT_OBJECT) {
        snprintf(why, why_size, "not a JSON object of venues");
        rc = CB_E_PARSE;
        goto done;
    }
    int key = cb_jtok_first(&jd, 0);
    for (int m = 0; m < cb_jtok_size(&jd, 0); m++) {
        cb_creds_entry_t *e = &doc->entry[doc->count];
        if (doc->count == CB_CREDS_DOC_MAX) {
            snprintf(why, why_size, "more than %d venues", CB_CREDS_DOC_MAX);
            rc = CB_E_PARSE;
            goto done;
        }
        if (cb_jtok_string(&jd, key, e->venue, sizeof e->venue) < 0 || !s_venue_ok(e->venue)) {
            snprintf(why, why_size, "venue %d: name is not [a-z0-9][a-z0-9_.-]* of at most %d "
                                    "characters", m + 1, CB_VENUE_NAME_MAX);
            rc = CB_E_PARSE;
            goto done;
        }
        if (cb_creds_doc_find(doc, e->venue) != NULL) {
            snprintf(why, why_size, "venue %s appears twice", e->venue);
            rc = CB_E_PARSE;
            goto done;
        }
        int val = key + 1;
        if (cb_jtok_type(&jd, val) != CB_JT_OBJECT) {
            snprintf(why, why_size, "venue %s is not an object", e->venue);
            rc = CB_E_PARSE;
            goto done;
        }
        rc = s_field(&jd, val, "api_key", e->venue, e->api_key, sizeof e->api_key, why,
                     why_size);
        if (rc == 0) {
            rc = s_field(&jd, val, "api_secret", e->venue, e->api_secret, sizeof e->api_secret,
                         why, why_size);
        }
        if (rc != 0) {
            goto done;
        }
        doc->count++;
        key = cb_jtok_skip(&jd, val);
    }
    rc = 0;
done:
    cb_jdoc_fini(&jd);
    return rc;
}

cb_creds_entry_t *
cb_creds_doc_find(cb_creds_doc_t *doc, const char *venue)
{
    for (size_t k = 0; k < doc->count; k++) {
        if (strcmp(doc->entry[k].venue, venue) == 0) {
            return &doc->entry[k];
        }
    }
    return NULL;
}

int
cb_creds_doc_set(cb_creds_doc_t *doc, const char *venue, const char *api_key,
                 const char *api_secret)
{
    cb_creds_entry_t *e = cb_creds_doc_find(doc, venue);
    if (!s_venue_ok(venue) || strlen(api_key) >= CB_CREDS_KEY_MAX ||
        strlen(api_secret) >= CB_CREDS_SECRET_MAX) {
        return CB_E_TOO_BIG;
    }
    if (e == NULL) {
        if (doc->count == CB_CREDS_DOC_MAX) {
            return CB_E_TOO_BIG;
        }
        e = &doc->entry[doc->count++];
        snprintf(e->venue, sizeof e->venue, "%s", venue);
    }
    snprintf(e->api_key, sizeof e->api_key, "%s", api_key);
    snprintf(e->api_secret, sizeof e->api_secret, "%s", api_secret);
    return 0;
}

int
cb_creds_doc_remove(cb_creds_doc_t *doc, const char *venue)
{
    cb_creds_entry_t *e = cb_creds_doc_find(doc, venue);
    if (e == NULL) {
        return CB_E_NOT_FOUND;
    }
    cb_creds_entry_t *last = &doc->entry[doc->count - 1];
    if (e != last) {
        memcpy(e, last, sizeof *e);
    }
    memset(last, 0, sizeof *last);
    doc->count--;
    return 0;
}

/* Appends s as a JSON string; the caller sized out for 6 bytes a character. */
static size_t
s_put_string(char *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char) *p;
        } else if (*p < 0x20) {
            memcpy(out + n, "\\u00", 4);
            out[n + 4] = hex[*p >> 4];
            out[n + 5] = hex[*p & 15];
            n += 6;
        } else {
            out[n++] = (char) *p;
        }
    }
    out[n++] = '"';
    return n;
}

int
cb_creds_doc_write(const cb_creds_doc_t *doc, char **out, size_t *out_len, size_t *out_cap)
{
    size_t cap = 16 + doc->count * (6 * sizeof(cb_creds_entry_t) + 64);
    char *buf = cb_secmem_alloc(cap);
    if (buf == NULL) {
        return CB_E_NOMEM;
    }
    size_t n = 0;
    buf[n++] = '{';
    for (size_t k = 0; k < doc->count; k++) {
        const cb_creds_entry_t *e = &doc->entry[k];
        n += (size_t) snprintf(buf + n, cap - n, "%s\n  ", k > 0 ? "," : "");
        n += s_put_string(buf + n, e->venue);
        n += (size_t) snprintf(buf + n, cap - n, ": {\"api_key\": ");
        n += s_put_string(buf + n, e->api_key);
        n += (size_t) snprintf(buf + n, cap - n, ", \"api_secret\": ");
        n += s_put_string(buf + n, e->api_secret);
        buf[n++] = '}';
    }
    n += (size_t) snprintf(buf + n, cap - n, "%s}\n", doc->count > 0 ? "\n" : "");
    *out = buf;
    *out_len = n;
    *out_cap = cap;
    return 0;
}
