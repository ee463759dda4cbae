/* edge_static.c - api-edge's built-in files: lookup in the table generated from www/ */
#include "edge_static.h"

#include <assert.h>
#include <string.h>

#include "edge_static_table.h"

const edge_static_file_t *
edge_static_find(const char *path, size_t len)
{
    assert(path != NULL || len == 0);
    /* A handful of files: a linear scan costs less than keeping an index. */
    for (size_t i = 0; i < edge_static_file_count; i++) {
        const edge_static_file_t *f = &edge_static_files[i];
        if (strlen(f->path) == len && memcmp(f->path, path, len) == 0) {
            return f;
        }
    }
    return NULL;
}

const edge_static_file_t *
edge_static_all(size_t *count)
{
    assert(count != NULL);
    *count = edge_static_file_count;
    return edge_static_files;
}
