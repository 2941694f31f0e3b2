/*
 * The provisioning API's pure pieces of HTTP semantics: RFC 7396 merge
 * patches, strong ETags of a JSON representation and the If-Match /
 * If-None-Match comparison, and the page parameters of a list. Pure:
 * jansson, OpenSSL and APR, no httpd.
 */
#ifndef AMX_API_DOC_H
#define AMX_API_DOC_H

#include <apr_pools.h>
#include <jansson.h>

/* PATCH applied to TARGET by RFC 7396 (neither is changed): a new
 * reference. A patch that is no object replaces the target. */
json_t *amx_api_merge_patch(json_t *target, json_t *patch);

/* DOC in the one form the API writes: keys sorted, compact. */
char *amx_api_canonical(apr_pool_t *p, json_t *doc);

/* The strong ETag of a representation: a quoted SHA-256 of its bytes. */
const char *amx_api_etag(apr_pool_t *p, const char *body);

/* 1 when the If-Match or If-None-Match value HEADER names ETAG (or is *),
 * comparing strongly (WEAK 0: a W/ tag never matches) or weakly. */
int amx_api_etag_listed(apr_pool_t *p, const char *header, const char *etag, int weak);

#define AMX_API_PAGE_DEFAULT 100
#define AMX_API_PAGE_MAX 500

/* The query string ARGS of a list: limit (1 to AMX_API_PAGE_MAX, default
 * AMX_API_PAGE_DEFAULT) and after (the last id of the page before, default
 * 0). NULL, or the reason with *FIELD naming the parameter. */
const char *amx_api_page_args(apr_pool_t *p, const char *args, long *limit, long *after,
                              const char **field);

/* The value of query parameter NAME in ARGS (decoded), NULL when absent. */
const char *amx_api_arg(apr_pool_t *p, const char *args, const char *name);

#endif
