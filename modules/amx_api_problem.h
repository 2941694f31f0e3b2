/*
 * RFC 9457 problem documents of the provisioning API. Pure: jansson and
 * APR, no httpd.
 */
#ifndef AMX_API_PROBLEM_H
#define AMX_API_PROBLEM_H

#include <apr_pools.h>
#include <jansson.h>

/* The document for STATUS (its reason phrase TITLE) with DETAIL; with
 * FIELD (a member name, "servers[1]" for an array element) also
 * "invalid-params": [{"name": FIELD, "reason": REASON}] and "pointer", the
 * JSON pointer of FIELD in the request body. A new reference. */
json_t *amx_api_problem(apr_pool_t *p, int status, const char *title, const char *detail,
                        const char *field, const char *reason);

/* The JSON pointer (RFC 6901) of FIELD: "servers[1]" gives "/servers/1". */
const char *amx_api_pointer(apr_pool_t *p, const char *field);

#endif
