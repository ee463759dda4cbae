/* cb_utf8.h - strict UTF-8 validation */
#ifndef CB_UTF8_H_INCLUDED
#define CB_UTF8_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* True when len bytes of s are well-formed UTF-8: no overlong forms, no
 * surrogates (U+D800..DFFF), nothing above U+10FFFF, no truncated sequence.
 * NUL bytes are allowed (they are valid UTF-8); s may be NULL when len is 0. */
bool
cb_utf8_valid(const char *s, size_t len);

#endif
