/* test_edge_limit_id.c - the rate-limit client id: API key, peer, X-Forwarded-For */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "edge_limit.h"

static const char *
s_id(const char *peer, const char *xff, const char *trusted, const char *key)
{
    static char out[160];
    edge_limit_client_id(peer, xff, xff != NULL ? strlen(xff) : 0, trusted, key, out, sizeof out);
    return out;
}

static void
test_api_key_wins(void **state)
{
    (void) state;
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", "10.0.0.0/8", "k-42"), "key:k-42");
    assert_string_equal(s_id("10.0.0.1", NULL, NULL, ""), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", NULL, NULL, NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("100.20.0.255", NULL, NULL, NULL), "ip:100.20.0.255");
    assert_string_equal(s_id("::ffff:109.0.99.5", NULL, NULL, NULL), "ip:109.0.99.5");
}

static void
test_untrusted_peer_xff_ignored(void **state)
{
    (void) state;
    assert_string_equal(s_id("198.51.100.9", "1.2.3.4", NULL, NULL), "ip:198.51.100.9");
    assert_string_equal(s_id("198.51.100.9", "1.2.3.4", "", NULL), "ip:198.51.100.9");
    assert_string_equal(s_id("198.51.100.9", "1.2.3.4", "10.0.0.0/8", NULL), "ip:198.51.100.9");
    /* An address next to the trusted network is not in it. */
    assert_string_equal(s_id("192.168.2.0", "1.2.3.4", "192.168.0.0/23", NULL), "ip:192.168.2.0");
    assert_string_equal(s_id("192.168.1.255", "1.2.3.4", "192.168.0.0/23", NULL), "ip:1.2.3.4");
}

static void
test_walk_right_to_left(void **state)
{
    (void) state;
    const char *trusted = "10.0.0.0/8, 172.16.0.5";
    /* The client's own (spoofable) entries left of the first untrusted hop do not count. */
    assert_string_equal(s_id("10.0.0.1", "6.6.6.6, 203.0.113.7", trusted, NULL), "ip:203.0.113.7");
    assert_string_equal(s_id("10.0.0.1", "6.6.6.6,203.0.113.7,172.16.0.5,10.9.9.9", trusted, NULL),
                        "ip:203.0.113.7");
    assert_string_equal(s_id("10.0.0.1", "  203.0.113.7\t", trusted, NULL), "ip:203.0.113.7");
    /* Garbage left of the client is never looked at. */
    assert_string_equal(s_id("10.0.0.1", "junk, 203.0.113.7", trusted, NULL), "ip:203.0.113.7");
    /* Every hop trusted: the leftmost is the client. */
    assert_string_equal(s_id("10.0.0.1", "10.1.1.1, 10.2.2.2", trusted, NULL), "ip:10.1.1.1");
    /* No or an empty header: the peer. */
    assert_string_equal(s_id("10.0.0.1", NULL, trusted, NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", "", trusted, NULL), "ip:10.0.0.1");
}

static void
test_malformed_entries_fall_back_to_peer(void **state)
{
    (void) state;
    const char *trusted = "10.0.0.0/8";
    const char *bad[] = {
        "garbage",   "1.2.3.4:5678", "[2001:db8::1]:80", "1.2.3",
        "1.2.3.4.5", "203.0.113.7,", ", 203.0.113.7, ",  "1.2.3.256",
        "fe80::1%1", "unknown",      "1.2.3.4 5.6.7.8",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_string_equal(s_id("10.0.0.1", bad[i], trusted, NULL), "ip:10.0.0.1");
    }
    /* A NUL inside the header value is malformed too. */
    char out[64];
    edge_limit_client_id("10.0.0.1", "1.2.3.4\0junk", 12, trusted, NULL, out, sizeof out);
    assert_string_equal(out, "ip:10.0.0.1");
    /* Only xff_len bytes are read. */
    edge_limit_client_id("10.0.0.1", "1.2.3.4, 9.9.9.9", 7, trusted, NULL, out, sizeof out);
    assert_string_equal(out, "ip:1.2.3.4");
}

static void
test_ipv6_and_mapped(void **state)
{
    (void) state;
    assert_string_equal(s_id("::1", "2001:DB8::5", "::1", NULL), "ip:2001:db8::5");
    assert_string_equal(s_id("fd12::1", "2001:db8::5, fd00::9", "fd00::/8", NULL),
                        "ip:2001:db8::5");
    assert_string_equal(s_id("fe12::1", "2001:db8::5", "fd00::/8", NULL), "ip:fe12::1");
    /* IPv4-mapped IPv6 is the IPv4 address, for matching and for the id. */
    assert_string_equal(s_id("::ffff:10.0.0.1", "::FFFF:203.0.113.7", "10.0.0.0/8", NULL),
                        "ip:203.0.113.7");
    assert_string_equal(s_id("10.0.0.1", "203.0.113.7", "::ffff:10.0.0.0/104", NULL),
                        "ip:203.0.113.7");
    /* Mixed families never match each other's networks. */
    assert_string_equal(s_id("10.0.0.1", "203.0.113.7", "::/0", NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", "203.0.113.7", "0.0.0.0/0", NULL), "ip:203.0.113.7");
}

static void
test_bad_trusted_entries_ignored(void **state)
{
    (void) state;
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", "10.0.0.0/33", NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", "10.0.0.0/", NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", "10.0.0.0/x", NULL), "ip:10.0.0.1");
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", "nonsense, ,10.0.0.1", NULL), "ip:1.2.3.4");
    assert_string_equal(s_id("10.0.0.1", "1.2.3.4", " 10.0.0.0/8 ", NULL), "ip:1.2.3.4");
}

static void
test_odd_peers_and_small_buffers(void **state)
{
    (void) state;
    assert_string_equal(s_id("", "1.2.3.4", "0.0.0.0/0", NULL), "ip:");
    assert_string_equal(s_id(NULL, NULL, NULL, NULL), "ip:");
    assert_string_equal(s_id("::ffff:127.0.0.1", NULL, NULL, NULL), "ip:127.0.0.1");
    char out[6];
    edge_limit_client_id("203.0.113.7", NULL, 0, NULL, NULL, out, sizeof out);
    assert_string_equal(out, "ip:20");
    out[0] = 'x';
    edge_limit_client_id("203.0.113.7", NULL, 0, NULL, NULL, out, 0);
    assert_int_equal(out[0], 'x');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_key_wins),
        cmocka_unit_test(test_untrusted_peer_xff_ignored),
        cmocka_unit_test(test_walk_right_to_left),
        cmocka_unit_test(test_malformed_entries_fall_back_to_peer),
        cmocka_unit_test(test_ipv6_and_mapped),
        cmocka_unit_test(test_bad_trusted_entries_ignored),
        cmocka_unit_test(test_odd_peers_and_small_buffers),
    };
    return cmocka_run_group_tests_name("edge_limit_id", tests, NULL, NULL);
}
