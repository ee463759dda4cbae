/* cb_pub.c - event publisher: stamps v/ts/epoch/seq, encodes, sends topic + payload */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cb_topic.h"

#define S_EPOCH_LEN 16

struct cb_pub {
    zsock_t *sock;
    void *raw;
    char epoch[S_EPOCH_LEN + 1];
    zhashx_t *seqs; /* topic -> next seq (uint64_t, owned) */
    /* The last topic published and its counter: bursts skip the hash. */
    char last_topic[CB_TOPIC_MAX];
    size_t last_topic_len;
    uint64_t *last_next;
    cb_buf_t payload;
    uint64_t sent;
};

static void
s_free_item(void **item)
{
    free(*item);
    *item = NULL;
}

cb_pub_t *
cb_pub_new(const char *endpoint)
{
    cb_pub_t *pub = calloc(1, sizeof *pub);
    if (pub == NULL) {
        goto fail_alloc;
    }
    pub->sock = cb_bus_connect(ZMQ_PUB, CB_BUS_ROLE_PUBLISHER, endpoint);
    if (pub->sock == NULL) {
        goto fail_sock;
    }
    pub->raw = zsock_resolve(pub->sock);
    pub->seqs = zhashx_new();
    if (pub->seqs == NULL) {
        goto fail_seqs;
    }
    zhashx_set_destructor(pub->seqs, s_free_item);
    cb_bus_random_hex(pub->epoch, S_EPOCH_LEN);
    cb_buf_init(&pub->payload);
    return pub;

fail_seqs:
    zsock_destroy(&pub->sock);
fail_sock:
    free(pub);
fail_alloc:
    return NULL;
}

void
cb_pub_destroy(cb_pub_t **pub_p)
{
    if (pub_p == NULL || *pub_p == NULL) {
        return;
    }
    cb_pub_t *pub = *pub_p;
    zhashx_destroy(&pub->seqs);
    zsock_destroy(&pub->sock);
    cb_buf_fini(&pub->payload);
    free(pub);
    *pub_p = NULL;
}

const char *
cb_pub_epoch(const cb_pub_t *pub)
{
    return pub->epoch;
}

uint64_t
cb_pub_sent(const cb_pub_t *pub)
{
    return pub->sent;
}

int
cb_pub_send_raw(cb_pub_t *pub, const char *topic, size_t topic_len, const void *data,
                size_t len)
{
    if (zmq_send(pub->raw, topic, topic_len, ZMQ_SNDMORE) < 0 ||
        zmq_send(pub->raw, data, len, 0) < 0) {
        cb_log_warn("pub_send_failed", "error=\"%s\"", zmq_strerror(zmq_errno()));
        return CB_E_IO;
    }
    pub->sent++;
    return 0;
}

int
cb_pub_send(cb_pub_t *pub, cb_event_t *ev, cb_proto_err_t *err)
{
    /* A burst on one topic: the last topic was validated when it was built,
     * so an event naming exactly it (kind, symbol, venue) reuses it and its
     * counter; anything else is formatted, validated and looked up. */
    const char *topic = pub->last_topic;
    size_t topic_len = pub->last_topic_len;
    uint64_t *next = pub->last_next;
    if (next == NULL || !cb_topic_is_of_event(ev, topic, topic_len)) {
        char fresh[CB_TOPIC_MAX];
        int n = cb_topic_of_event(ev, fresh, sizeof fresh);
        if (n < 0) {
            if (err != NULL) {
                snprintf(err->message, sizeof err->message,
                         "no valid topic: symbol must be BASE-QUOTE and venue a lower-case name");
            }
            return CB_E_BAD_REQUEST;
        }
        next = zhashx_lookup(pub->seqs, fresh);
        if (next == NULL) {
            next = malloc(sizeof *next);
            if (next == NULL) {
                return CB_E_NOMEM;
            }
            *next = 1;
            zhashx_insert(pub->seqs, fresh, next);
        }
        memcpy(pub->last_topic, fresh, (size_t) n + 1);
        pub->last_topic_len = (size_t) n;
        pub->last_next = next;
        topic_len = (size_t) n;
    }
    uint64_t seq = *next;

    ev->env.present = 0;
    CB_PROTO_SET(&ev->env, envelope, v, CB_PROTO_VERSION);
    CB_PROTO_SET(&ev->env, envelope, ts, cb_time_now_ns());
    CB_PROTO_SET(&ev->env, envelope, epoch, ((cb_str_t){pub->epoch, S_EPOCH_LEN}));
    CB_PROTO_SET(&ev->env, envelope, seq, seq);

    cb_buf_reset(&pub->payload);
    int rc = cb_event_encode(ev, &pub->payload, err);
    if (rc != 0) {
        return rc;
    }
    rc = cb_pub_send_raw(pub, topic, topic_len, pub->payload.data, pub->payload.len);
    if (rc != 0) {
        return rc;
    }
    /* The seq is used once the message is handed to ZeroMQ. */
    *next = seq + 1;
    return 0;
}
