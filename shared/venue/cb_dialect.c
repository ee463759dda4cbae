/* cb_dialect.c - what every venue dialect shares: the request a dialect builds */
#include "cb_dialect.h"

#include <string.h>

void
cb_venue_req_fini(cb_venue_req_t *req)
{
    if (req == NULL) {
        return;
    }
    cb_buf_fini(&req->body);
    memset(req, 0, sizeof(*req));
}
