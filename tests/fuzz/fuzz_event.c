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
        cb_buf_t a;
        cb_buf_init(&a);
        if (cb_event_encode(&ev, &a, &err) != 0) {
            abort();
        }
        cb_event_t again;
        if (cb_event_decode(kind, a.data, a.len, &again, &err) != 0) {
            abort();
        }
        cb_buf_t b;
        cb_buf_init(&b);
        if (cb_event_encode(&again, &b, &err) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0) {
            abort();
        }
        char topic[CB_TOPIC_MAX];
        if (cb_topic_of_event(&ev, topic, sizeof topic) < 0) {
            abort();
        }
        cb_event_clear(&again);
        cb_buf_fini(&b);
        cb_buf_fini(&a);
    }
    cb_event_clear(&ev);
    /* The same bytes as a topic. */
    cb_topic_t t;
    cb_topic_parse((const char *) data, size, &t);
    return 0;
}
