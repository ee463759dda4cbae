/* test_edge_static.c - api-edge's embedded web files: paths, content types, ETags, openapi.json, no outside fetches */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_json.h"
#include "edge_static.h"

/* The routes openapi.json documents (scripts/check_openapi.py checks the
 * rest of its structure; this only ties the embedded copy to the list). */
static const char *const s_routes[] = {
    "/api/market/price", "/api/market/ohlc",    "/api/market/book",
    "/api/market/trades", "/api/market/compare", "/api/market/best",
    "/api/market/symbols", "/api/market/venues", "/api/sentiment/analyze",
    "/api/account/balances", "/api/account/trade-balance", "/api/account/orders",
    "/api/account/trades", "/api/account/ws-token", "/api/account/check",
    "/api/orders",        "/api/orders/{id}",    "/api/orders/cancel-after",
    "/health",            "/metrics",            "/openapi.json",
    "/docs",              "/",                   "/ws",
};
#define S_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

static const char *
s_expected_type(const char *path)
{
    if (strcmp(path, "/") == 0 || strcmp(path, "/docs") == 0) {
        return "text/html; charset=utf-8";
    }
    if (strcmp(path, "/openapi.json") == 0) {
        return "application/json";
    }
    return NULL;
}

/* The ETag embed_www.sh promises: the first 32 hex digits of SHA-256, quoted. */
static void
s_etag_of(const char *body, size_t len, char out[35])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    assert_int_equal(EVP_Digest(body, len, md, &md_len, EVP_sha256(), NULL), 1);
    assert_true(md_len >= 16);
    out[0] = '"';
    for (int i = 0; i < 16; i++) {
        snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
    }
    out[33] = '"';
    out[34] = '\0';
}

static void
test_every_file(void **state)
{
    (void) state;
    size_t n = 0;
    const edge_static_file_t *all = edge_static_all(&n);
    assert_non_null(all);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++) {
        const edge_static_file_t *f = &all[i];
        assert_non_null(f->path);
        assert_int_equal(f->path[0], '/');
        assert_non_null(f->content_type);
        assert_true(f->content_type[0] != '\0');
        assert_true(f->len > 0);
        /* Text files, NUL-terminated after len for convenience. */
        assert_int_equal(f->body[f->len], '\0');
        assert_int_equal(strlen(f->body), f->len);
        char etag[35];
        s_etag_of(f->body, f->len, etag);
        assert_string_equal(f->etag, etag);
        assert_ptr_equal(edge_static_find(f->path, strlen(f->path)), f);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(all[j].path, f->path);
            assert_string_not_equal(all[j].etag, f->etag);
        }
        const char *want = s_expected_type(f->path);
        if (want != NULL) {
            assert_string_equal(f->content_type, want);
        }
    }
}

static void
test_find(void **state)
{
    (void) state;
    const char *pages[] = {"/", "/docs", "/openapi.json"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        const edge_static_file_t *f = edge_static_find(pages[i], strlen(pages[i]));
        assert_non_null(f);
        assert_string_equal(f->path, pages[i]);
    }
    /* Length-delimited: the bytes after len are not part of the path. */
    const char *q = "/docs?x=1";
    assert_non_null(edge_static_find(q, 5));
    assert_null(edge_static_find(q, 4));
    assert_null(edge_static_find(q, strlen(q)));
    assert_non_null(edge_static_find("/?", 1));
    /* Files are served at their route only, not at their file name. */
    const char *none[] = {"/index.html", "/docs.html", "/docs/", "/DOCS", "//", "/openapi",
                          "/www/openapi.json", "/../openapi.json"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        assert_null(edge_static_find(none[i], strlen(none[i])));
    }
    assert_null(edge_static_find("", 0));
    assert_null(edge_static_find(NULL, 0));
}

/* A msgpack map's value at key, or NULL. */
static const msgpack_object *
s_map_get(const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP) {
        return NULL;
    }
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key) &&
            memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size) == 0) {
            return &kv->val;
        }
    }
    return NULL;
}

/* The embedded openapi.json is valid JSON (our own strict parser) and
 * documents exactly the routes, each with responses. */
static void
test_openapi(void **state)
{
    (void) state;
    const edge_static_file_t *f = edge_static_find("/openapi.json", 13);
    assert_non_null(f);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[128] = "";
    int rc = cb_json_to_msgpack(f->body, f->len, &pk, err, sizeof err);
    if (rc != 0) {
        fail_msg("openapi.json: %s", err);
    }
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *version = s_map_get(&up.data, "openapi");
    assert_non_null(version);
    assert_int_equal(version->type, MSGPACK_OBJECT_STR);
    assert_true(version->via.str.size >= 4 && memcmp(version->via.str.ptr, "3.0.", 4) == 0);
    const msgpack_object *paths = s_map_get(&up.data, "paths");
    assert_non_null(paths);
    assert_int_equal(paths->type, MSGPACK_OBJECT_MAP);
    assert_int_equal(paths->via.map.size, S_ROUTE_COUNT);
    for (size_t i = 0; i < S_ROUTE_COUNT; i++) {
        const msgpack_object *item = s_map_get(paths, s_routes[i]);
        if (item == NULL) {
            fail_msg("openapi.json does not document %s", s_routes[i]);
        }
        assert_int_equal(item->type, MSGPACK_OBJECT_MAP);
        assert_true(item->via.map.size >= 1);
        const msgpack_object *op = &item->via.map.ptr[0].val;
        const msgpack_object *responses = s_map_get(op, "responses");
        assert_non_null(responses);
        assert_true(responses->via.map.size >= 1);
    }
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}

/* Nothing outside this machine is referenced (no absolute URL, no import),
 * and each page is one file (no script of its own to fetch). */
static void
test_self_contained(void **state)
{
    (void) state;
    size_t n = 0;
    const edge_static_file_t *all = edge_static_all(&n);
    const char *banned[] = {"http://", "https://", "//cdn", "@import", "<script src",
                            "rel=\"stylesheet\""};
    for (size_t i = 0; i < n; i++) {
        if (strncmp(all[i].content_type, "text/html", 9) != 0) {
            continue;
        }
        for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++) {
            if (strstr(all[i].body, banned[b]) != NULL) {
                fail_msg("%s contains \"%s\": the pages must be self-contained", all[i].path,
                         banned[b]);
            }
        }
    }
    const edge_static_file_t *dash = edge_static_find("/", 1);
    const char *uses[] = {"/ws", "/api/market/ohlc", "/api/market/compare", "/api/market/symbols",
                          "/api/sentiment/analyze"};
    for (size_t u = 0; u < sizeof uses / sizeof uses[0]; u++) {
        assert_non_null(strstr(dash->body, uses[u]));
    }
    assert_non_null(strstr(edge_static_find("/docs", 5)->body, "/openapi.json"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_openapi),
        cmocka_unit_test(test_self_contained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
