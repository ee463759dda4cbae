/* cb_sub.c - event subscriber: prefix subscriptions, decoding, gap detection per topic */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_sub.h"

/* Key of the seq table: topic, a space, epoch (neither can hold a space). */
#define S_KEY_MAX (CB_TOPIC_MAX + 40)

typedef struct {
    uint64_t last_seq;
} s_track_t;

struct cb_sub {
    zsock_t *sock;
    void *raw;
    zhashx_t *tracks; /* "topic epoch" -> s_track_t (owned) */
    /* The last key looked up and its track: bursts on one topic skip the hash. */
    char last_key[S_KEY_MAX];
    size_t last_key_len;
    s_track_t *last_track;
    cb_sub_stats_t stats;
};

static void
s_track_free(void **item)
{
    free(*item);
    *item = NULL;
}

cb_sub_t *
cb_sub_new(const char *endpoint)
{
    cb_sub_t *sub = calloc(1, sizeof *sub);
    if (sub == NULL) {
        goto fail_alloc;
    }
    sub->sock = cb_bus_connect(ZMQ_SUB, CB_BUS_ROLE_SUBSCRIBER, endpoint);
    if (sub->sock == NULL) {
        goto fail_sock;
    }
    sub->raw = zsock_resolve(sub->sock);
    sub->tracks = zhashx_new();
    if (sub->tracks == NULL) {
        goto fail_tracks;
    }
    zhashx_set_destructor(sub->tracks, s_track_free);
    return sub;

fail_tracks:
    zsock_destroy(&sub->sock);
fail_sock:
    free(sub);
fail_alloc:
    return NULL;
}

void
cb_sub_destroy(cb_sub_t **sub_p)
{
    if (sub_p == NULL || *sub_p == NULL) {
        return;
    }
    cb_sub_t *sub = *sub_p;
    zhashx_destroy(&sub->tracks);
    zsock_destroy(&sub->sock);
    free(sub);
    *sub_p = NULL;
}

int
cb_sub_subscribe(cb_sub_t *sub, const char *prefix)
{
    return zmq_setsockopt(sub->raw, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) == 0 ? 0 : CB_E_IO;
}

int
cb_sub_unsubscribe(cb_sub_t *sub, const char *prefix)
{
    if (zmq_setsockopt(sub->raw, ZMQ_UNSUBSCRIBE, prefix, strlen(prefix)) != 0) {
        return CB_E_IO;
    }
    /* The topics' sequences are forgotten: after a new subscription, what
     * was published meanwhile is not a gap. */
    size_t n = strlen(prefix);
    zlistx_t *keys = zhashx_keys(sub->tracks);
    for (const char *k = keys != NULL ? zlistx_first(keys) : NULL; k != NULL; k = zlistx_next(keys)) {
        if (strncmp(k, prefix, n) == 0) {
            zhashx_delete(sub->tracks, k);
        }
    }
    zlistx_destroy(&keys);
    sub->last_track = NULL;
    sub->last_key_len = 0;
    return 0;
}

void *
cb_sub_socket(cb_sub_t *sub)
{
    return sub->raw;
}

cb_sub_stats_t
cb_sub_stats(const cb_sub_t *sub)
{
    return sub->stats;
}

void
cb_sub_msg_clear(cb_sub_msg_t *msg)
{
    if (msg->has_frames) {
        cb_event_clear(&msg->ev);
        zmq_msg_close(&msg->topic_frame);
        zmq_msg_close(&msg->payload_frame);
        msg->has_frames = false;
    }
    msg->topic = NULL;
    msg->payload = NULL;
    msg->topic_len = 0;
    msg->payload_len = 0;
}

/* Drains the rest of a multi-part message we will not use. */
static void
s_drain(void *raw, zmq_msg_t *frame)
{
    while (zmq_msg_more(frame)) {
        zmq_msg_close(frame);
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, raw, 0) < 0) {
            break;
        }
    }
}

int
cb_sub_recv_raw(cb_sub_t *sub, int timeout_ms, cb_sub_msg_t *msg)
{
    /* Not a memset of the whole struct: ev is written by the decoder, and
     * an out-of-range kind makes cb_event_clear a no-op until then. */
    msg->topic = NULL;
    msg->topic_len = 0;
    msg->payload = NULL;
    msg->payload_len = 0;
    msg->ev.kind = CB_KIND_COUNT;
    msg->ev.env.present = 0;
    msg->missed = 0;
    zmq_msg_init(&msg->topic_frame);
    zmq_msg_init(&msg->payload_frame);
    msg->has_frames = true;
    /* Under load a message is usually waiting: try without a poll first
     * (a poll per message would cost a system call each). */
    if (zmq_msg_recv(&msg->topic_frame, sub->raw, ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() != EAGAIN) {
            return CB_E_IO;
        }
        if (timeout_ms >= 0) {
            zmq_pollitem_t item = {sub->raw, 0, ZMQ_POLLIN, 0};
            int n = zmq_poll(&item, 1, timeout_ms);
            if (n < 0) {
                return CB_E_IO;
            }
            if (n == 0) {
                return CB_E_TIMEOUT;
            }
        }
        if (zmq_msg_recv(&msg->topic_frame, sub->raw, timeout_ms >= 0 ? ZMQ_DONTWAIT : 0) < 0) {
            return zmq_errno() == EAGAIN ? CB_E_TIMEOUT : CB_E_IO;
        }
    }
    if (!zmq_msg_more(&msg->topic_frame)) {
        sub->stats.malformed++;
        return CB_E_BAD_REQUEST;
    }
    if (zmq_msg_recv(&msg->payload_frame, sub->raw, 0) < 0) {
        return CB_E_IO;
    }
    msg->topic = zmq_msg_data(&msg->topic_frame);
    msg->topic_len = zmq_msg_size(&msg->topic_frame);
    msg->payload = zmq_msg_data(&msg->payload_frame);
    msg->payload_len = zmq_msg_size(&msg->payload_frame);
    if (zmq_msg_more(&msg->payload_frame)) {
        s_drain(sub->raw, &msg->payload_frame);
        sub->stats.malformed++;
        msg->payload = NULL;
        msg->payload_len = 0;
        return CB_E_BAD_REQUEST;
    }
    return 0;
}

static void
s_track(cb_sub_t *sub, cb_sub_msg_t *msg)
{
    const cb_str_t epoch = msg->ev.env.epoch;
    size_t key_len = msg->topic_len + 1 + epoch.len;
    uint64_t seq = msg->ev.env.seq;
    s_track_t *track = NULL;
    /* A burst on one topic from one publisher compares in place; the key is
     * built only to look up another one. Neither topics nor epochs hold a
     * space, so the separator's place fixes where the topic ends. */
    if (sub->last_track != NULL && key_len == sub->last_key_len &&
        sub->last_key[msg->topic_len] == ' ' &&
        memcmp(sub->last_key, msg->topic, msg->topic_len) == 0 &&
        memcmp(sub->last_key + msg->topic_len + 1, epoch.ptr, epoch.len) == 0) {
        track = sub->last_track;
    } else {
        char *key = sub->last_key;
        memcpy(key, msg->topic, msg->topic_len);
        key[msg->topic_len] = ' ';
        memcpy(key + msg->topic_len + 1, epoch.ptr, epoch.len);
        key[key_len] = '\0';
        sub->last_key_len = key_len;
        sub->last_track = NULL;
        track = zhashx_lookup(sub->tracks, key);
    }
    if (track == NULL) {
        /* First message of this publisher instance on this topic: whatever
         * came before we were subscribed is not a gap. */
        track = calloc(1, sizeof *track);
        if (track == NULL) {
            return;
        }
        track->last_seq = seq;
        zhashx_insert(sub->tracks, sub->last_key, track);
        sub->stats.epochs++;
    } else if (seq == track->last_seq + 1) {
        track->last_seq = seq;
    } else if (seq > track->last_seq + 1) {
        msg->missed = seq - track->last_seq - 1;
        sub->stats.gaps++;
        sub->stats.missed += msg->missed;
        track->last_seq = seq;
    } else {
        sub->stats.stale++;
    }
    sub->last_track = track;
}

int
cb_sub_recv(cb_sub_t *sub, int timeout_ms, cb_sub_msg_t *msg)
{
    int rc = cb_sub_recv_raw(sub, timeout_ms, msg);
    if (rc != 0) {
        return rc;
    }
    /* The kind picks the schema; the decoded (validated) body must then
     * name exactly this topic, which validates the rest of it. */
    cb_kind_t kind;
    cb_proto_err_t err;
    if (msg->topic_len >= CB_TOPIC_MAX || cb_topic_kind(msg->topic, msg->topic_len, &kind) != 0) {
        sub->stats.malformed++;
        cb_log_debug("sub_bad_topic", "topic_len=%zu", msg->topic_len);
        return CB_E_BAD_REQUEST;
    }
    if (cb_event_decode(kind, msg->payload, msg->payload_len, &msg->ev, &err) != 0) {
        sub->stats.malformed++;
        cb_log_debug("sub_bad_payload", "topic=%.*s error=\"%s\"", (int) msg->topic_len,
                     msg->topic, err.message);
        return CB_E_BAD_REQUEST;
    }
    if (!cb_topic_is_of_event(&msg->ev, msg->topic, msg->topic_len)) {
        sub->stats.malformed++;
        cb_log_debug("sub_topic_mismatch", "topic=%.*s", (int) msg->topic_len, msg->topic);
        return CB_E_BAD_REQUEST;
    }
    sub->stats.received++;
    s_track(sub, msg);
    return 0;
}
