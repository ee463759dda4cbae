/* cli_pub.c - `coinbus pub`: check a JSON body against its topic's schema and publish it */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_log.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cb_topic.h"
#include "cli.h"

int
cli_pub(int argc, char **argv)
{
    long wait_ms = 300;
    int arg = 1;
    if (arg + 1 < argc && strcmp(argv[arg], "--wait-ms") == 0) {
        wait_ms = cli_parse_count(argv[arg + 1]);
        if (wait_ms < 0) {
            fprintf(stderr, "coinbus pub: --wait-ms needs a positive integer\n");
            return CLI_EXIT_USAGE;
        }
        arg += 2;
    }
    if (argc - arg != 2) {
        fprintf(stderr, "usage: coinbus pub [--wait-ms MS] <topic> '<json>'\n");
        return CLI_EXIT_USAGE;
    }
    const char *topic_text = argv[arg];
    const char *json = argv[arg + 1];

    cb_topic_t topic;
    if (cb_topic_parse(topic_text, strlen(topic_text), &topic) != 0) {
        fprintf(stderr, "coinbus pub: bad topic '%s': expected <kind>.<BASE-QUOTE>.<venue> "
                        "with kind tick|trade|book|candle|order|circuit\n", topic_text);
        return CLI_EXIT_ERROR;
    }
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
    char why[256];
    int exit_code = CLI_EXIT_ERROR;
    if (cb_json_to_msgpack(json, strlen(json), &pk, why, sizeof why) != 0) {
        fprintf(stderr, "coinbus pub: %s\n", why);
        goto done_body;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = topic.kind;
    cb_proto_err_t err;
    if (cb_proto_decode(cb_kind_schema(topic.kind), body.data, body.size, &ev.body, &err) != 0) {
        fprintf(stderr, "coinbus pub: not a valid %s message: %s\n", cb_kind_name(topic.kind),
                err.message);
        goto done_event;
    }
    cb_str_t symbol;
    cb_str_t venue;
    cb_topic_route(&ev, &symbol, &venue);
    if (!cb_str_eq(symbol, topic.symbol) || !cb_str_eq(venue, topic.venue)) {
        fprintf(stderr, "coinbus pub: the body's symbol/venue (%.*s, %.*s) do not match the "
                        "topic\n", (int) symbol.len, symbol.ptr, (int) venue.len, venue.ptr);
        goto done_event;
    }
    cb_bus_config_t bus;
    if (cli_bus_config(&bus) != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto done_event;
    }
    cb_pub_t *pub = cb_pub_new(bus.pub);
    if (pub == NULL) {
        goto done_event;
    }
    /* PUB drops what it sends before the bus has told it about subscribers:
     * give the connection and the subscription forwarding a moment. */
    cb_time_sleep_ms(wait_ms, NULL);
    if (cb_pub_send(pub, &ev, &err) != 0) {
        fprintf(stderr, "coinbus pub: %s\n", err.message);
    } else {
        exit_code = CLI_EXIT_OK;
    }
    cb_pub_destroy(&pub);
done_event:
    cb_event_clear(&ev);
done_body:
    msgpack_sbuffer_destroy(&body);
    return exit_code;
}
