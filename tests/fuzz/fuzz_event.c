/* fuzz_event.c - libFuzzer: every pub/sub decoder; decoded events must re-encode identically */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_proto.h"
#include "cb_topic.h"

/* Byte 0 picks the kind; the rest is the payload. A payload that decodes
 * must encode again, and that encoding must decode to the same encoding. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    cb_kind_t kind = (cb_kind_t) (data[0] % CB_KIND_COUNT);
    cb_event_t ev;
    cb_proto_err_t err;
    if (cb_event_decode(kind, data + 1, size - 1, &ev, &err) == 0) {
        msgpack_sbuffer a;
        msgpack_sbuffer_init(&a);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &a, msgpack_sbuffer_write);
        if (cb_event_encode(&ev, &pk, &err) != 0) {
            abort();
        }
        cb_event_t again;
        if (cb_event_decode(kind, a.data, a.size, &again, &err) != 0) {
            abort();
        }
        msgpack_sbuffer b;
        msgpack_sbuffer_init(&b);
        msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
        if (cb_event_encode(&again, &pk, &err) != 0 || a.size != b.size ||
            memcmp(a.data, b.data, a.size) != 0) {
            abort();
        }
        char topic[CB_TOPIC_MAX];
        if (cb_topic_of_event(&ev, topic, sizeof topic) < 0) {
            abort();
        }
        cb_event_clear(&again);
        msgpack_sbuffer_destroy(&b);
        msgpack_sbuffer_destroy(&a);
    }
    cb_event_clear(&ev);
    /* The same bytes as a topic. */
    cb_topic_t t;
    cb_topic_parse((const char *) data, size, &t);
    return 0;
}
