/*
 * What the module notes about one request, for its own hooks and units:
 * httpd gives a module one slot in r->request_config, so the units that
 * need one share this structure. It knows nothing of the units; each
 * keeps its own type behind a pointer.
 */
#ifndef AMX_REQUEST_H
#define AMX_REQUEST_H

#include "httpd.h"
#include "http_config.h"

typedef struct {
    void *metrics;       /* amx_metrics.c: the endpoint and cause counted */
    const void *held;    /* amx_store_cache.c: the cache entry the reply uses */
    const char *unmapped_uri; /* amx_walk.c: the URI marked for no walk */
    int walk_skipped;    /* amx_walk.c: the directory walk was skipped */
} amx_request_note;

/* R's note; created when CREATE is set, else NULL while it has none. */
static inline amx_request_note *amx_request_note_of(request_rec *r, module *m, int create)
{
    amx_request_note *n = ap_get_module_config(r->request_config, m);
    if (n == NULL && create) {
        n = apr_pcalloc(r->pool, sizeof(*n));
        ap_set_module_config(r->request_config, m, n);
    }
    return n;
}

#endif
