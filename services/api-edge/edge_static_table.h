/* edge_static_table.h - the table of embedded www/ files, shared by edge_static.c and the generated file */
#ifndef EDGE_STATIC_TABLE_H_INCLUDED
#define EDGE_STATIC_TABLE_H_INCLUDED

#include <stddef.h>

#include "edge_static.h"

/* Generated from services/api-edge/www by scripts/embed_www.sh (see the
 * Makefile's WWW_GEN rules); each body is also NUL-terminated, len excludes
 * the NUL. Private to edge_static.c: others use edge_static_find. */
extern const edge_static_file_t edge_static_files[];
extern const size_t edge_static_file_count;

#endif
