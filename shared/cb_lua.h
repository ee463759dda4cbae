/* cb_lua.h - the Lua scripts of shared/lua, embedded at build time */
#ifndef CB_LUA_H_INCLUDED
#define CB_LUA_H_INCLUDED

#include <stddef.h>

typedef struct {
    const char *name; /* file name without .lua */
    const char *text; /* NUL-terminated script */
    size_t len;
} cb_lua_source_t;

/* Generated from the .lua files of shared/lua by scripts/embed_lua.sh (see Makefile). */
extern const cb_lua_source_t cb_lua_sources[];
extern const size_t cb_lua_source_count;

/* The script named name, or NULL. */
const cb_lua_source_t *
cb_lua_find(const char *name);

#endif
