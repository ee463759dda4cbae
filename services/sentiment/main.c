/* main.c - sentiment: bullish / bearish / neutral for any text, as the `sentiment` RPC service */
#include <stdio.h>
#include <stdlib.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_config.h"
#include "cb_log.h"
#include "cb_pub.h"
#include "cb_rpc.h"
#include "cb_signal.h"
#include "sent_lexicon.h"
#include "sent_rolling.h"
#include "sent_service.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_SENTIMENT_DATA", CB_CFG_STR, "services/sentiment/data", 0, 0, NULL,
     "folder of lexicon_general.tsv, lexicon_crypto.tsv, modifiers.tsv, symbols.tsv"},
    {"COINBUS_SENTIMENT_HALF_LIFE", CB_CFG_INT, "3600", 1, 31536000, NULL,
     "seconds after which a text's weight in an asset's rolling score halves"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: sentiment [--help] [--version]\n"
    "\n"
    "Answers the `sentiment` RPC service on the bus: analyze {text},\n"
    "analyze_batch {texts: [...up to 100]}, symbol_sentiment {symbol}; publishes\n"
    "each named asset's rolling score as sentiment.<ASSET>.all. Lexicons are data\n"
    "files (COINBUS_SENTIMENT_DATA): edit them and restart, no rebuild.";

int
main(int argc, char **argv)
{
    int rc = cb_config_handle_args(argc, argv, s_usage, s_vars, S_NVARS);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("sentiment", s_vars, S_NVARS) != 0 ||
        cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    cb_bus_config_t bus;
    const char *data_dir;
    long half_life;
    if (cb_bus_config_load(s_vars, S_NVARS, &bus) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_SENTIMENT_DATA", &data_dir) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_SENTIMENT_HALF_LIFE", &half_life) != 0) {
        return 2;
    }
    cb_signal_install();
    char err[512];
    sent_lexicon_t *lexicon = sent_lexicon_load(data_dir, err, sizeof err);
    if (lexicon == NULL) {
        cb_log_error("lexicon_load_failed", "dir=%s error=\"%s\"", data_dir, err);
        return 2;
    }
    sent_rolling_t *rolling = sent_rolling_new(half_life);
    cb_pub_t *pub = cb_pub_new(bus.pub);
    sent_service_t svc = {lexicon, rolling, pub};
    cb_rpc_worker_t *worker =
        cb_rpc_worker_new(bus.backend[CB_RPC_SENTIMENT], "sentiment", sent_service_handle, &svc);
    if (rolling == NULL || pub == NULL || worker == NULL) {
        rc = 1;
        goto done;
    }
    cb_log_info("started", "version=%s entries=%zu data=%s", CB_VERSION,
                sent_lexicon_size(lexicon), data_dir);
    rc = cb_rpc_worker_run(worker, &cb_signal_stop) == 0 ? 0 : 1;
    cb_log_info("stopped", "handled=%llu", (unsigned long long) cb_rpc_worker_handled(worker));
done:
    cb_rpc_worker_destroy(&worker);
    cb_pub_destroy(&pub);
    sent_rolling_destroy(&rolling);
    sent_lexicon_destroy(&lexicon);
    zsys_shutdown();
    return rc;
}
