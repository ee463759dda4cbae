/* cb_lua.c - lookup of the embedded Lua scripts */
#include <string.h>

#include "cb_lua.h"

const cb_lua_source_t *
cb_lua_find(const char *name)
{
    for (size_t i = 0; i < cb_lua_source_count; i++) {
        if (strcmp(cb_lua_sources[i].name, name) == 0) {
            return &cb_lua_sources[i];
        }
    }
    return NULL;
}
