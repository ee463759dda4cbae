/* cli_sub.c - `coinbus sub`: print bus messages as JSON lines */
#include <stdio.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cli.h"

/* Writes {"topic":...,"msg":...} for one message into line. */
static int
s_format(const cb_sub_msg_t *msg, cb_buf_t *line)
{
    cb_buf_reset(line);
    int rc = cb_buf_append_str(line, "{\"topic\":");
    if (rc == 0) {
        rc = cb_json_write_string(line, msg->topic, msg->topic_len);
    }
    if (rc == 0) {
        rc = cb_buf_append_str(line, ",\"msg\":");
    }
    if (rc == 0) {
        rc = cb_json_from_msgpack((const char *) msg->payload, msg->payload_len, line);
    }
    if (rc == 0) {
        rc = cb_buf_append_str(line, "}\n");
    }
    return rc;
}

int
cli_sub(int argc, char **argv)
{
    long count = -1;
    long timeout_s = -1;
    int first_prefix = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            count = cli_parse_count(argv[++i]);
            if (count < 0) {
                fprintf(stderr, "coinbus sub: --count needs a positive integer\n");
                return CLI_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout_s = cli_parse_count(argv[++i]);
            if (timeout_s < 0) {
                fprintf(stderr, "coinbus sub: --timeout needs a positive number of seconds\n");
                return CLI_EXIT_USAGE;
            }
        } else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
            fprintf(stderr, "coinbus sub: unknown option '%s'\n", argv[i]);
            return CLI_EXIT_USAGE;
        } else {
            first_prefix = first_prefix == 0 ? i : first_prefix;
        }
    }
    if (first_prefix == 0) {
        fprintf(stderr, "usage: coinbus sub [--count N] [--timeout SECONDS] <topic-prefix>...\n");
        return CLI_EXIT_USAGE;
    }
    cb_bus_config_t bus;
    if (cli_bus_config(&bus) != 0) {
        return CLI_EXIT_USAGE;
    }
    cb_sub_t *sub = cb_sub_new(bus.sub);
    if (sub == NULL) {
        return CLI_EXIT_ERROR;
    }
    for (int i = first_prefix; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 || strcmp(argv[i], "--timeout") == 0) {
            i++;
            continue;
        }
        cb_sub_subscribe(sub, argv[i]);
    }

    int exit_code = CLI_EXIT_OK;
    long printed = 0;
    int64_t deadline = timeout_s > 0 ? cb_time_mono_ns() + timeout_s * 1000000000LL : 0;
    cb_buf_t line;
    cb_buf_init(&line);
    while (!cb_signal_stop && (count < 0 || printed < count)) {
        int wait_ms = 200;
        if (deadline != 0) {
            int64_t left = (deadline - cb_time_mono_ns()) / 1000000;
            if (left <= 0) {
                exit_code = CLI_EXIT_TIMEOUT;
                break;
            }
            wait_ms = left < wait_ms ? (int) left : wait_ms;
        }
        cb_sub_msg_t msg;
        int rc = cb_sub_recv_raw(sub, wait_ms, &msg);
        if (rc == CB_E_TIMEOUT) {
            cb_sub_msg_clear(&msg);
            continue;
        }
        if (rc == 0 && s_format(&msg, &line) == 0) {
            fwrite(line.data, 1, line.len, stdout);
            fflush(stdout);
            printed++;
        } else if (rc == 0 || rc == CB_E_BAD_REQUEST) {
            cb_log_warn("undecodable_message", "topic=%.*s bytes=%zu",
                        (int) (msg.topic_len > 96 ? 96 : msg.topic_len),
                        msg.topic != NULL ? msg.topic : "", msg.payload_len);
        } else if (!cb_signal_stop) {
            cb_log_error("receive_failed", "error=\"%s\"", cb_strerror(rc));
            exit_code = CLI_EXIT_ERROR;
            cb_sub_msg_clear(&msg);
            break;
        }
        cb_sub_msg_clear(&msg);
    }
    cb_buf_fini(&line);
    cb_sub_destroy(&sub);
    return exit_code;
}
