/* test_utf8.c - strict UTF-8 validation: tables, error offsets, exhaustive short sequences */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cb_utf8.h"

/* A reference validator written the other way round: decode by bit pattern,
 * then refuse overlongs, surrogates and code points above U+10FFFF. */
static bool
s_reference(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        uint32_t cp;
        uint32_t min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (len - i < n) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n;
    }
    return true;
}

/* Checks s (len bytes, copied to an exact-size buffer) against want. */
static void
s_check(const char *s, size_t len, bool want, const char *what)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    bool got = cb_utf8_valid(copy, len);
    free(copy);
    if (got != want) {
        fail_msg("%s: %s, wanted %s", what, got ? "valid" : "invalid", want ? "valid" : "invalid");
    }
}

static void
test_valid(void **state)
{
    (void) state;
    static const char *const good[] = {
        "",
        "abc",
        "0123456789abcdefghijklmnopqrstuvwxyz",
        "caf\xc3\xa9",
        "\xc2\x80",                 /* U+0080, the smallest two-byte */
        "\xdf\xbf",                 /* U+07FF */
        "\xe0\xa0\x80",             /* U+0800, the smallest three-byte */
        "\xe2\x82\xac",             /* euro sign */
        "\xed\x9f\xbf",             /* U+D7FF, just below the surrogates */
        "\xee\x80\x80",             /* U+E000, just above them */
        "\xef\xbf\xbf",             /* U+FFFF */
        "\xf0\x90\x80\x80",         /* U+10000, the smallest four-byte */
        "\xf0\x9f\x9a\x80",         /* rocket */
        "\xf4\x8f\xbf\xbf",         /* U+10FFFF, the largest */
        "0123456789abcdef\xc3\xa9", /* multibyte after the fast path */
        "\xc3\xa9" "0123456789abcdef",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        s_check(good[i], strlen(good[i]), true, good[i]);
        assert_int_equal(cb_utf8_valid_prefix(good[i], strlen(good[i])), strlen(good[i]));
    }
    assert_true(cb_utf8_valid(NULL, 0));
    assert_int_equal(cb_utf8_valid_prefix(NULL, 0), 0);
    /* NUL is a character like any other: lengths, not terminators. */
    s_check("a\0b", 3, true, "embedded NUL");
    s_check("\0\0\0\0\0\0\0\0\0", 9, true, "nine NULs");
}

static void
test_invalid(void **state)
{
    (void) state;
    static const struct {
        const char *s;
        size_t bad_at; /* the first byte of the first ill-formed sequence */
        const char *what;
    } bad[] = {
        {"\x80", 0, "lone continuation"},
        {"\xbf", 0, "lone continuation"},
        {"a\x80", 1, "continuation after ASCII"},
        {"\xc0\xaf", 0, "overlong '/' in two bytes"},
        {"\xc1\xbf", 0, "overlong U+007F"},
        {"\xe0\x80\xaf", 0, "overlong '/' in three bytes"},
        {"\xe0\x9f\xbf", 0, "overlong U+07FF"},
        {"\xf0\x80\x80\xaf", 0, "overlong '/' in four bytes"},
        {"\xf0\x8f\xbf\xbf", 0, "overlong U+FFFF"},
        {"\xed\xa0\x80", 0, "surrogate U+D800"},
        {"\xed\xbf\xbf", 0, "surrogate U+DFFF"},
        {"\xed\xa0\xbd\xed\xb8\x80", 0, "CESU-8 surrogate pair"},
        {"\xf4\x90\x80\x80", 0, "U+110000"},
        {"\xf5\x80\x80\x80", 0, "lead F5"},
        {"\xf8\x88\x80\x80\x80", 0, "five-byte form"},
        {"\xfc\x84\x80\x80\x80\x80", 0, "six-byte form"},
        {"\xfe", 0, "byte FE"},
        {"\xff", 0, "byte FF"},
        {"\xc3", 0, "truncated two-byte"},
        {"\xe2\x82", 0, "truncated three-byte"},
        {"\xf0\x9f\x9a", 0, "truncated four-byte"},
        {"abcdefgh\xc3", 8, "truncated after the fast path"},
        {"abcdefghijklmnop\xe2\x82", 16, "truncated after two fast words"},
        {"\xc3\x28", 0, "ASCII where a continuation belongs"},
        {"\xe2\x28\xa1", 0, "ASCII second of three"},
        {"\xe2\x82\x28", 0, "ASCII third of three"},
        {"\xf0\x9f\x9a\x28", 0, "ASCII fourth of four"},
        {"caf\xc3\xa9\xc3", 5, "truncated after a good character"},
        {"\xc3\xa9\xc3\xa9\xff\xc3\xa9", 4, "bad byte between good characters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = strlen(bad[i].s);
        s_check(bad[i].s, len, false, bad[i].what);
        size_t at = cb_utf8_valid_prefix(bad[i].s, len);
        if (at != bad[i].bad_at) {
            fail_msg("%s: prefix %zu, wanted %zu", bad[i].what, at, bad[i].bad_at);
        }
    }
    /* Each bad byte at every alignment relative to the eight-byte fast path. */
    for (size_t pos = 0; pos < 24; pos++) {
        char text[32];
        memset(text, 'a', sizeof text);
        text[pos] = (char) 0x80;
        assert_false(cb_utf8_valid(text, sizeof text));
        assert_int_equal(cb_utf8_valid_prefix(text, sizeof text), pos);
        /* A valid two-byte character at the same place. */
        text[pos] = (char) 0xc3;
        text[pos + 1] = (char) 0xa9;
        assert_true(cb_utf8_valid(text, sizeof text));
        /* Cut in the middle of it. */
        assert_false(cb_utf8_valid(text, pos + 1));
        assert_int_equal(cb_utf8_valid_prefix(text, pos + 1), pos);
    }
}

static void
test_exhaustive(void **state)
{
    (void) state;
    /* Every one-, two- and three-byte string, and every four-byte string with
     * a lead from F0 to FF and a sample of last bytes, against the reference. */
    unsigned char b[4];
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (unsigned char) x;
        assert_int_equal(cb_utf8_valid((char *) b, 1), s_reference(b, 1));
    }
    for (unsigned x = 0; x < 1u << 16; x++) {
        b[0] = (unsigned char) (x >> 8);
        b[1] = (unsigned char) x;
        assert_int_equal(cb_utf8_valid((char *) b, 2), s_reference(b, 2));
    }
    size_t valid3 = 0;
    for (unsigned x = 0; x < 1u << 24; x++) {
        b[0] = (unsigned char) (x >> 16);
        b[1] = (unsigned char) (x >> 8);
        b[2] = (unsigned char) x;
        bool got = cb_utf8_valid((char *) b, 3);
        if (got != s_reference(b, 3)) {
            fail_msg("%02x %02x %02x: %d", b[0], b[1], b[2], got);
        }
        valid3 += got;
    }
    assert_true(valid3 > 0);
    static const unsigned char tails[] = {0x00, 0x7f, 0x80, 0xa5, 0xbf, 0xc0};
    for (unsigned x = 0; x < 1u << 20; x++) {
        b[0] = (unsigned char) (0xf0 | x >> 16);
        b[1] = (unsigned char) (x >> 8);
        b[2] = (unsigned char) x;
        for (size_t t = 0; t < sizeof tails; t++) {
            b[3] = tails[t];
            bool got = cb_utf8_valid((char *) b, 4);
            if (got != s_reference(b, 4)) {
                fail_msg("%02x %02x %02x %02x: %d", b[0], b[1], b[2], b[3], got);
            }
        }
    }
    /* All 1 112 064 scalar values, encoded, are valid; no surrogate is. */
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        unsigned char u[4];
        size_t n;
        if (cp < 0x80) {
            u[0] = (unsigned char) cp;
            n = 1;
        } else if (cp < 0x800) {
            u[0] = (unsigned char) (0xc0 | cp >> 6);
            u[1] = (unsigned char) (0x80 | (cp & 0x3f));
            n = 2;
        } else if (cp < 0x10000) {
            u[0] = (unsigned char) (0xe0 | cp >> 12);
            u[1] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
            u[2] = (unsigned char) (0x80 | (cp & 0x3f));
            n = 3;
        } else {
            u[0] = (unsigned char) (0xf0 | cp >> 18);
            u[1] = (unsigned char) (0x80 | (cp >> 12 & 0x3f));
            u[2] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
            u[3] = (unsigned char) (0x80 | (cp & 0x3f));
            n = 4;
        }
        bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
        if (cb_utf8_valid((char *) u, n) == surrogate) {
            fail_msg("U+%04X: wrong verdict", (unsigned) cp);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_exhaustive),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
