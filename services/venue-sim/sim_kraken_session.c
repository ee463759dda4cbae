/* sim_kraken_session.c - Kraken's private account-session methods: CancelAllOrdersAfter (the dead man's switch) and GetWebSocketsToken */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cb_time.h"
#include "sim_kraken_session.h"
#include "sim_reply.h"

static void
s_rfc3339(int64_t ns, char *out, size_t size)
{
    time_t t = (time_t) (ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
sim_kraken_session_cancel_after(sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char v[32];
    bool present;
    char *end = NULL;
    long long timeout = sim_kraken_param(p, "timeout", v, sizeof v, &present) ? strtoll(v, &end, 10) : -1;
    if (end == NULL || *end != '\0' || timeout < 0 || timeout > 86400) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:timeout");
        return;
    }
    int64_t now = cb_time_now_ns();
    char current[32], trigger[32];
    s_rfc3339(now, current, sizeof current);
    if (timeout == 0) {
        a->dms_trigger_ns = 0;
        snprintf(trigger, sizeof trigger, "0");
    } else {
        a->dms_trigger_ns = now + (int64_t) timeout * 1000000000LL;
        s_rfc3339(a->dms_trigger_ns, trigger, sizeof trigger);
    }
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"currentTime\":\"%s\",\"triggerTime\":\"%s\"}}", current,
                   trigger);
}

void
sim_kraken_session_ws_token(const sim_account_t *a, cb_httpd_res_t *res)
{
    unsigned char mac[32];
    unsigned int len = 0;
    int64_t now = cb_time_now_ns();
    HMAC(EVP_sha256(), a->secret, (int) strlen(a->secret), (const unsigned char *) &now, sizeof now, mac, &len);
    unsigned char token[64];
    EVP_EncodeBlock(token, mac, 30);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"token\":\"%s\",\"expires\":900}}", (const char *) token);
}
