/*
 * Decoding of application/x-www-form-urlencoded query strings. Pure: no
 * httpd. The module decodes its parameters itself so that an encoded NUL,
 * a repeated parameter or a broken escape is seen, not silently truncated.
 */
#ifndef AMX_QUERY_H
#define AMX_QUERY_H

#include <apr_pools.h>

typedef enum {
    AMX_QUERY_ABSENT = 0,
    AMX_QUERY_FOUND,
    AMX_QUERY_REPEATED,   /* the name occurs more than once */
    AMX_QUERY_MALFORMED   /* a '%' not followed by two hex digits */
} amx_query_status;

/* Looks NAME up (ASCII case-insensitively) in ARGS, the raw query string
 * (may be NULL). On AMX_QUERY_FOUND, *VALUE is the decoded value in P and
 * *LEN its length; the value may contain NUL bytes. */
amx_query_status amx_query_param(apr_pool_t *p, const char *args,
                                 const char *name, const char **value,
                                 apr_size_t *len);

/* Decodes LEN bytes of one form-encoded component ('+' is a space) into a
 * NUL-terminated copy in P. Returns -1 on a broken escape. */
int amx_query_decode(apr_pool_t *p, const char *s, apr_size_t len,
                     char **out, apr_size_t *outlen);

#endif
