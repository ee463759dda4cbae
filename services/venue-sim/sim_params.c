/* sim_params.c - form / query-string parameters (application/x-www-form-urlencoded), decoded on lookup */
#include <string.h>

#include "sim_params.h"
#include "cb_str.h"

bool
sim_param(const char *qs, size_t len, const char *key, char *out, size_t size, bool *present)
{
    size_t klen = strlen(key);
    if (present != NULL) {
        *present = false;
    }
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && qs[end] != '&') {
            end++;
        }
        const char *eq = memchr(qs + i, '=', end - i);
        size_t name_len = eq != NULL ? (size_t) (eq - (qs + i)) : end - i;
        if (name_len == klen && memcmp(qs + i, key, klen) == 0) {
            if (present != NULL) {
                *present = true;
            }
            const char *v = eq != NULL ? eq + 1 : qs + end;
            size_t n = 0;
            for (const char *p = v; p < qs + end; p++) {
                char c = *p;
                if (c == '%') {
                    int hi = p + 2 < qs + end ? cb_str_hex_digit(p[1]) : -1;
                    int lo = hi >= 0 ? cb_str_hex_digit(p[2]) : -1;
                    if (lo < 0) {
                        return false;
                    }
                    c = (char) (hi * 16 + lo);
                    p += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (c == '\0' || n + 1 >= size) {
                    return false;
                }
                out[n++] = c;
            }
            out[n] = '\0';
            return true;
        }
        i = end + 1;
    }
    return false;
}
