/* cb_creds_file.c - the credential files: encrypted and plain, read with their checks, written atomically */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_creds_impl.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_secmem.h"

/* A credentials file larger than this is not one. */
#define S_FILE_MAX (2u << 20)
#define S_PASS_MAX 1024

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} s_blob_t;

static void
s_blob_free(s_blob_t *b)
{
    cb_secmem_free((void **) &b->data, b->cap);
    b->len = 0;
    b->cap = 0;
}

/* Reads path into locked memory. CB_E_NOT_FOUND when it does not exist;
 * when plain, CB_E_FORBIDDEN unless it is owned by this user with no
 * group/other permission bits. */
static int
s_read(const char *path, bool plain, size_t max, s_blob_t *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            return CB_E_NOT_FOUND;
        }
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(e));
        return CB_E_IO;
    }
    int rc = CB_E_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s: not a regular file", path);
        goto done;
    }
    if (plain && st.st_uid != geteuid()) {
        snprintf(err, err_size, "%s: owned by uid %u, not by this user (uid %u): refused", path,
                 (unsigned) st.st_uid, (unsigned) geteuid());
        rc = CB_E_FORBIDDEN;
        goto done;
    }
    if (plain && (st.st_mode & 077) != 0) {
        snprintf(err, err_size, "%s: mode %04o lets others read it, must be 0600 "
                                "(chmod 600 %s): refused", path, (unsigned) (st.st_mode & 07777),
                 path);
        rc = CB_E_FORBIDDEN;
        goto done;
    }
    if ((size_t) st.st_size > max) {
        snprintf(err, err_size, "%s: larger than %zu bytes", path, max);
        rc = CB_E_TOO_BIG;
        goto done;
    }
    out->cap = (size_t) st.st_size + 1;
    out->data = cb_secmem_alloc(out->cap);
    if (out->data == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        rc = CB_E_NOMEM;
        goto done;
    }
    while (out->len < (size_t) st.st_size) {
        ssize_t n = read(fd, out->data + out->len, (size_t) st.st_size - out->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            snprintf(err, err_size, "%s: read failed: %s", path, n < 0 ? strerror(errno) : "EOF");
            s_blob_free(out);
            goto done;
        }
        out->len += (size_t) n;
    }
    rc = 0;
done:
    close(fd);
    return rc;
}

/* The passphrase into locked memory (the caller frees with S_PASS_MAX). */
static int
s_passphrase(const cb_creds_opts_t *opts, const char *path, char **pass, size_t *len, char *err,
             size_t err_size)
{
    const char *env = opts->passphrase_from_env ? getenv("COINBUS_CREDENTIALS_PASSPHRASE") : NULL;
    *pass = NULL;
    if ((env == NULL || env[0] == '\0') && opts->passphrase_file[0] == '\0') {
        snprintf(err, err_size, "%s: encrypted credentials need a passphrase: set "
                                "COINBUS_CREDENTIALS_PASSPHRASE or "
                                "COINBUS_CREDENTIALS_PASSPHRASE_FILE", path);
        return CB_E_CONFIG;
    }
    char *buf = cb_secmem_alloc(S_PASS_MAX);
    if (buf == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        return CB_E_NOMEM;
    }
    size_t n = 0;
    if (env != NULL && env[0] != '\0') {
        n = strlen(env);
        if (n < S_PASS_MAX) {
            memcpy(buf, env, n);
        }
    } else {
        s_blob_t b;
        int rc = s_read(opts->passphrase_file, false, S_PASS_MAX - 1, &b, err, err_size);
        if (rc != 0) {
            if (rc == CB_E_NOT_FOUND || rc == CB_E_TOO_BIG) {
                snprintf(err, err_size, "COINBUS_CREDENTIALS_PASSPHRASE_FILE %s: %s",
                         opts->passphrase_file,
                         rc == CB_E_NOT_FOUND ? "does not exist" : "too large");
            }
            cb_secmem_free((void **) &buf, S_PASS_MAX);
            return rc == CB_E_NOT_FOUND ? CB_E_CONFIG : rc;
        }
        n = b.len;
        memcpy(buf, b.data, n);
        s_blob_free(&b);
        /* One trailing line end, as `echo pass > file` leaves it. */
        n -= n > 0 && buf[n - 1] == '\n';
        n -= n > 0 && buf[n - 1] == '\r';
        buf[n] = '\0';
    }
    if (n == 0 || n >= S_PASS_MAX) {
        snprintf(err, err_size, "%s: the passphrase is empty or longer than %d bytes", path,
                 S_PASS_MAX - 1);
        cb_secmem_free((void **) &buf, S_PASS_MAX);
        return CB_E_CONFIG;
    }
    *pass = buf;
    *len = n;
    return 0;
}

static const char *
s_path(cb_creds_source_t source, const cb_creds_opts_t *opts)
{
    return source == CB_CREDS_SRC_PLAIN ? opts->plain_path : opts->encrypted_path;
}

/* The document of one file into a new *doc. CB_E_NOT_FOUND when the path
 * is empty or the file does not exist (*doc NULL then). */
static int
s_doc_load(cb_creds_source_t source, const cb_creds_opts_t *opts, cb_creds_doc_t **doc,
           char *err, size_t err_size)
{
    const char *path = s_path(source, opts);
    bool plain = source == CB_CREDS_SRC_PLAIN;
    s_blob_t file = {0};
    s_blob_t text = {0};
    char *pass = NULL;
    size_t pass_len = 0;
    char why[200];
    *doc = NULL;
    if (path[0] == '\0') {
        return CB_E_NOT_FOUND;
    }
    int rc = s_read(path, plain, S_FILE_MAX, &file, err, err_size);
    if (rc == 0 && !plain) {
        rc = s_passphrase(opts, path, &pass, &pass_len, err, err_size);
        if (rc == 0) {
            rc = cb_creds_open(file.data, file.len, pass, pass_len, &text.data, &text.len,
                               &text.cap, why, sizeof why);
            if (rc != 0) {
                snprintf(err, err_size, "%s: %s", path, why);
            }
        }
        cb_secmem_free((void **) &pass, S_PASS_MAX);
    }
    if (rc == 0) {
        *doc = cb_creds_doc_new();
        rc = *doc != NULL ? 0 : CB_E_NOMEM;
    }
    if (rc == 0) {
        const s_blob_t *json = plain ? &file : &text;
        rc = cb_creds_doc_parse(*doc, json->data, json->len, why, sizeof why);
        if (rc != 0) {
            snprintf(err, err_size, "%s: %s", path, why);
            cb_creds_doc_destroy(doc);
        }
    }
    s_blob_free(&text);
    s_blob_free(&file);
    return rc;
}

int
cb_creds_file_lookup(cb_creds_source_t source, const char *venue, cb_dialect_t dialect,
                     const cb_creds_opts_t *opts, cb_cred_t **out, char *err, size_t err_size)
{
    cb_creds_doc_t *doc = NULL;
    int rc = s_doc_load(source, opts, &doc, err, err_size);
    if (rc != 0) {
        return rc;
    }
    const char *path = s_path(source, opts);
    cb_creds_entry_t *e = cb_creds_doc_find(doc, venue);
    if (e == NULL) {
        rc = CB_E_NOT_FOUND;
    } else {
        char where[CB_VENUE_NAME_MAX + 600];
        snprintf(where, sizeof where, "%s: venue %s", path, venue);
        rc = cb_creds_cred_new(venue, dialect, source, e->api_key, e->api_secret, where, out, err,
                               err_size);
    }
    if (rc == 0 && source == CB_CREDS_SRC_PLAIN) {
        cb_log_warn("creds_plain_file", "venue=%s path=%s note=\"%s\"", venue, path,
                    "secret read from an unencrypted file; prefer the encrypted file");
    }
    cb_creds_doc_destroy(&doc);
    return rc;
}

/* ---- writing ----------------------------------------------------------------- */

/* Writes len bytes to path atomically: a 0600 temporary file beside it,
 * fsync, rename over path, fsync of the directory (created 0700 if missing). */
static int
s_write_atomic(const char *path, const char *data, size_t len, char *err, size_t err_size)
{
    char dir[sizeof ((cb_creds_opts_t *) 0)->plain_path];
    char tmp[sizeof dir + 16];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash == NULL ? 1 : slash == path ? 1 : (int) (slash - path),
             slash == NULL ? "." : path);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: cannot create the directory: %s", dir, strerror(errno));
        return CB_E_IO;
    }
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return CB_E_IO;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            goto fail_write;
        }
        off += (size_t) n;
    }
    if (fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
        goto fail_write;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail_write;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        goto fail_write;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void) fsync(dfd);
        close(dfd);
    }
    return 0;

fail_write:
    snprintf(err, err_size, "%s: write failed: %s", path, strerror(errno));
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    return CB_E_IO;
}

static int
s_doc_save(cb_creds_source_t source, const cb_creds_opts_t *opts, const cb_creds_doc_t *doc,
           char *err, size_t err_size)
{
    const char *path = s_path(source, opts);
    s_blob_t json = {0};
    char *sealed = NULL;
    char *pass = NULL;
    size_t pass_len = 0;
    int rc = cb_creds_doc_write(doc, &json.data, &json.len, &json.cap);
    if (rc != 0) {
        snprintf(err, err_size, "%s: out of memory", path);
        return rc;
    }
    if (source == CB_CREDS_SRC_PLAIN) {
        rc = s_write_atomic(path, json.data, json.len, err, err_size);
        goto done;
    }
    rc = s_passphrase(opts, path, &pass, &pass_len, err, err_size);
    if (rc == 0) {
        rc = cb_creds_seal(json.data, json.len, pass, pass_len, &sealed);
        if (rc != 0) {
            snprintf(err, err_size, "%s: encryption failed: %s", path, cb_strerror(rc));
        }
    }
    if (rc == 0) {
        rc = s_write_atomic(path, sealed, strlen(sealed), err, err_size);
    }
done:
    free(sealed);
    cb_secmem_free((void **) &pass, S_PASS_MAX);
    s_blob_free(&json);
    return rc;
}

static int
s_check_dest(cb_creds_source_t source, const cb_creds_opts_t *opts, char *err, size_t err_size)
{
    if (source != CB_CREDS_SRC_ENCRYPTED && source != CB_CREDS_SRC_PLAIN) {
        snprintf(err, err_size, "credentials: only the files can be written");
        return CB_E_CONFIG;
    }
    if (s_path(source, opts)[0] == '\0') {
        snprintf(err, err_size, "credentials: no %s file configured (%s)",
                 source == CB_CREDS_SRC_PLAIN ? "plain" : "encrypted",
                 source == CB_CREDS_SRC_PLAIN ? "COINBUS_CREDENTIALS_PLAIN_FILE"
                                              : "COINBUS_CREDENTIALS_FILE");
        return CB_E_CONFIG;
    }
    return 0;
}

int
cb_creds_store(cb_creds_source_t source, const cb_creds_opts_t *opts, const char *venue,
               cb_dialect_t dialect, const char *api_key, const char *secret, char *err,
               size_t err_size)
{
    int rc = s_check_dest(source, opts, err, err_size);
    if (rc != 0) {
        return rc;
    }
    cb_cred_t *check = NULL;
    rc = cb_creds_cred_new(venue, dialect, source, api_key, secret, venue, &check, err,
                           err_size);
    cb_cred_destroy(&check);
    if (rc != 0) {
        return rc;
    }
    cb_creds_doc_t *doc = NULL;
    rc = s_doc_load(source, opts, &doc, err, err_size);
    if (rc == CB_E_NOT_FOUND) {
        doc = cb_creds_doc_new();
        rc = doc != NULL ? 0 : CB_E_NOMEM;
    }
    if (rc == 0) {
        rc = cb_creds_doc_set(doc, venue, api_key, secret);
        if (rc != 0) {
            snprintf(err, err_size, "%s: venue name invalid or the file holds %d venues already",
                     s_path(source, opts), CB_CREDS_DOC_MAX);
        }
    }
    if (rc == 0) {
        rc = s_doc_save(source, opts, doc, err, err_size);
    }
    cb_creds_doc_destroy(&doc);
    return rc;
}

int
cb_creds_remove(cb_creds_source_t source, const cb_creds_opts_t *opts, const char *venue,
                char *err, size_t err_size)
{
    int rc = s_check_dest(source, opts, err, err_size);
    cb_creds_doc_t *doc = NULL;
    if (rc == 0) {
        rc = s_doc_load(source, opts, &doc, err, err_size);
    }
    if (rc == 0) {
        rc = cb_creds_doc_remove(doc, venue);
    }
    if (rc == CB_E_NOT_FOUND) {
        snprintf(err, err_size, "%s: no credentials for venue %s", s_path(source, opts), venue);
    }
    if (rc == 0) {
        rc = s_doc_save(source, opts, doc, err, err_size);
    }
    cb_creds_doc_destroy(&doc);
    return rc;
}

int
cb_creds_list(cb_creds_source_t source, const cb_creds_opts_t *opts, cb_creds_item_t *items,
              size_t cap, size_t *count, char *err, size_t err_size)
{
    *count = 0;
    cb_creds_doc_t *doc = NULL;
    int rc = s_doc_load(source, opts, &doc, err, err_size);
    if (rc != 0) {
        return rc;
    }
    for (size_t k = 0; k < doc->count && *count < cap; k++) {
        cb_creds_item_t *it = &items[(*count)++];
        snprintf(it->venue, sizeof it->venue, "%s", doc->entry[k].venue);
        it->source = source;
        cb_creds_fingerprint(doc->entry[k].api_key, it->fingerprint);
    }
    cb_creds_doc_destroy(&doc);
    return 0;
}
