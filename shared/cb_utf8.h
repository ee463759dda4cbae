/* cb_utf8.h - strict UTF-8 validation */
#ifndef CB_UTF8_H_INCLUDED
#define CB_UTF8_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* True when len bytes of s are well-formed UTF-8 (RFC 3629): no overlong
 * forms, no surrogates (U+D800..DFFF), nothing above U+10FFFF, no truncated
 * sequence. NUL bytes are valid. s may be NULL when len is 0. */
bool
cb_utf8_valid(const char *s, size_t len);

/* The length of the longest well-formed prefix of s that ends on a character
 * boundary: len when all of s is valid, else the offset of the first byte of
 * the first ill-formed sequence (for error messages that name a byte). */
size_t
cb_utf8_valid_prefix(const char *s, size_t len);

#endif
