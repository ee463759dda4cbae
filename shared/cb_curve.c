/* cb_curve.c - CurveZMQ on the bus: certificates from COINBUS_CURVE_DIR on every bus socket */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_curve.h"
#include "cb_error.h"
#include "cb_log.h"

#define S_PATH_MAX 1024

/* Written once at start (cb_curve_load), read by every thread afterwards. */
static struct {
    bool on;
    char dir[S_PATH_MAX];
    char server_public[CB_CURVE_KEY_TEXT_LEN + 1];
    char public_txt[CB_CURVE_KEY_TEXT_LEN + 1];
    char secret_txt[CB_CURVE_KEY_TEXT_LEN + 1];
} s_curve;

/* A Z85 key of the right length that decodes. */
static bool
s_key_ok(const char *text)
{
    uint8_t bin[32];
    return text != NULL && strlen(text) == CB_CURVE_KEY_TEXT_LEN &&
           zmq_z85_decode(bin, text) != NULL;
}

/* Reads a zcert_save file at path: its public key into public_txt, and its
 * secret key into secret_txt when secret_txt is not NULL. 0 or CB_E_CONFIG,
 * logged with the path and what was expected; what names the file's role. */
static int
s_cert_read(const char *path, const char *what, char *public_txt, char *secret_txt)
{
    if (access(path, R_OK) != 0) {
        int err = errno;
        cb_log_error("curve_cert_unreadable", "path=%s expected=\"%s\" error=\"%s\" hint=\"%s\"",
                     path, what, strerror(err), "create the certs with: coinbus certs init <dir>");
        return CB_E_CONFIG;
    }
    zconfig_t *root = zconfig_load(path);
    if (root == NULL) {
        cb_log_error("curve_cert_invalid", "path=%s expected=\"%s in zcert format\"", path, what);
        return CB_E_CONFIG;
    }
    int rc = 0;
    char *pub = zconfig_get(root, "curve/public-key", NULL);
    char *sec = zconfig_get(root, "curve/secret-key", NULL);
    if (!s_key_ok(pub)) {
        cb_log_error("curve_cert_invalid",
                     "path=%s expected=\"%s with a 40-character Z85 "
                     "curve/public-key\"",
                     path, what);
        rc = CB_E_CONFIG;
    } else if (secret_txt != NULL && !s_key_ok(sec)) {
        cb_log_error("curve_cert_invalid",
                     "path=%s expected=\"%s with a 40-character Z85 "
                     "curve/secret-key (the *.key_secret file, not the public one)\"",
                     path, what);
        rc = CB_E_CONFIG;
    } else {
        memcpy(public_txt, pub, CB_CURVE_KEY_TEXT_LEN + 1);
        if (secret_txt != NULL) {
            memcpy(secret_txt, sec, CB_CURVE_KEY_TEXT_LEN + 1);
        }
    }
    if (sec != NULL) {
        explicit_bzero(sec, strlen(sec));
    }
    zconfig_destroy(&root);
    return rc;
}

int
cb_curve_load(const cb_config_var_t *vars, size_t count, const char *name)
{
    cb_curve_unload();
    const char *mode = NULL;
    const char *dir = NULL;
    const char *cert = NULL;
    if (cb_config_str(vars, count, "COINBUS_CURVE", &mode) != 0 ||
        cb_config_str(vars, count, "COINBUS_CURVE_DIR", &dir) != 0 ||
        cb_config_str(vars, count, "COINBUS_CURVE_CERT", &cert) != 0) {
        return CB_E_CONFIG;
    }
    if (mode == NULL || strcmp(mode, "on") != 0) {
        return 0;
    }
    char server_path[S_PATH_MAX];
    char own_path[S_PATH_MAX];
    int n1 = snprintf(server_path, sizeof server_path, "%s/bus.key", dir);
    int n2 = cert != NULL ? snprintf(own_path, sizeof own_path, "%s", cert)
                          : snprintf(own_path, sizeof own_path, "%s/%s.key_secret", dir, name);
    if (strlen(dir) >= sizeof s_curve.dir || n1 < 0 || (size_t) n1 >= sizeof server_path ||
        n2 < 0 || (size_t) n2 >= sizeof own_path) {
        cb_log_error("config_invalid",
                     "var=COINBUS_CURVE_DIR/COINBUS_CURVE_CERT expected=\"paths shorter "
                     "than %d characters\"",
                     S_PATH_MAX - 32);
        return CB_E_CONFIG;
    }
    char what[128];
    snprintf(what, sizeof what, "the secret cert of %s (COINBUS_CURVE_CERT overrides it)", name);
    if (s_cert_read(server_path, "the bus's public cert", s_curve.server_public, NULL) != 0 ||
        s_cert_read(own_path, what, s_curve.public_txt, s_curve.secret_txt) != 0) {
        goto fail;
    }
    /* The bus's own keypair must be the one its clients trust. */
    if (strcmp(name, "bus") == 0 && strcmp(s_curve.server_public, s_curve.public_txt) != 0) {
        cb_log_error("curve_cert_mismatch",
                     "path=%s expected=\"the public half of %s (the bus's public cert its "
                     "clients use)\"",
                     server_path, own_path);
        goto fail;
    }
    snprintf(s_curve.dir, sizeof s_curve.dir, "%s", dir);
    s_curve.on = true;
    cb_log_info("curve_on", "dir=%s cert=%s curve_public=%s", dir, own_path, s_curve.public_txt);
    return 0;

fail:
    cb_curve_unload();
    return CB_E_CONFIG;
}

bool
cb_curve_on(void)
{
    return s_curve.on;
}

const char *
cb_curve_dir(void)
{
    return s_curve.dir;
}

void
cb_curve_client(void *sock)
{
    if (!s_curve.on) {
        return;
    }
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s_curve.server_public, CB_CURVE_KEY_TEXT_LEN);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, s_curve.public_txt, CB_CURVE_KEY_TEXT_LEN);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s_curve.secret_txt, CB_CURVE_KEY_TEXT_LEN);
}

void
cb_curve_server(void *sock)
{
    if (!s_curve.on) {
        return;
    }
    int one = 1;
    zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s_curve.secret_txt, CB_CURVE_KEY_TEXT_LEN);
    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "coinbus", 7);
}

void
cb_curve_unload(void)
{
    explicit_bzero(&s_curve, sizeof s_curve);
}
