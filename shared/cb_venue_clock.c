/* cb_venue_clock.c - a venue's server-time offset, measured by one replica, used by all (Redis) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_script.h"
#include "cb_venue_clock.h"

#define S_KEEP_MS 60000

int
cb_venue_clock_record(cb_redis_t *redis, const char *venue, int64_t sent_ms, int64_t server_ms,
                      int64_t received_ms, int64_t *offset_ms)
{
    if (venue == NULL || received_ms < sent_ms) {
        return CB_E_BAD_REQUEST;
    }
    cb_script_t script;
    if (cb_script_init(&script, "clock") != 0) {
        return CB_E_INTERNAL;
    }
    int64_t rtt = received_ms - sent_ms;
    int64_t offset = server_ms - (sent_ms + rtt / 2);
    char key[200];
    snprintf(key, sizeof key, "coinbus:clock:%s", venue);
    char a[3][24];
    snprintf(a[0], 24, "%" PRId64, offset);
    snprintf(a[1], 24, "%" PRId64, rtt);
    snprintf(a[2], 24, "%d", S_KEEP_MS);
    const char *keys[1] = {key};
    const char *args[3] = {a[0], a[1], a[2]};
    int err;
    redisReply *reply = cb_script_run(redis, &script, &err, 1, keys, 3, args);
    if (reply == NULL) {
        return err;
    }
    int rc = CB_E_INTERNAL;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
        if (offset_ms != NULL) {
            *offset_ms = reply->element[0]->integer;
        }
        rc = 0;
    }
    freeReplyObject(reply);
    return rc;
}

int
cb_venue_clock_offset(cb_redis_t *redis, const char *venue, int64_t *offset_ms, int64_t *age_ms)
{
    char key[200];
    snprintf(key, sizeof key, "coinbus:clock:%s", venue);
    int err;
    redisReply *reply = cb_redis_command(redis, &err, "HMGET %s offset at", key);
    if (reply == NULL) {
        return err;
    }
    int rc = CB_E_NOT_FOUND;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        *offset_ms = strtoll(reply->element[0]->str, NULL, 10);
        int64_t at = strtoll(reply->element[1]->str, NULL, 10);
        freeReplyObject(reply);
        reply = cb_redis_command(redis, &err, "TIME");
        if (reply == NULL) {
            return err;
        }
        if (age_ms != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
            int64_t now = strtoll(reply->element[0]->str, NULL, 10) * 1000 +
                          strtoll(reply->element[1]->str, NULL, 10) / 1000;
            *age_ms = now - at;
        }
        rc = 0;
    }
    freeReplyObject(reply);
    return rc;
}

bool
cb_venue_clock_should_measure(cb_redis_t *redis, const char *venue, int64_t period_ms)
{
    char key[200];
    snprintf(key, sizeof key, "coinbus:clock:%s:measurer", venue);
    int err;
    redisReply *reply = cb_redis_command(redis, &err, "SET %s 1 NX PX %lld", key,
                                         (long long) period_ms);
    if (reply == NULL) {
        return false;
    }
    bool mine = reply->type == REDIS_REPLY_STATUS;
    freeReplyObject(reply);
    return mine;
}
