/* Query-string decoding. */
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "amx_query.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int amx_query_decode(apr_pool_t *p, const char *s, apr_size_t len,
                     char **out, apr_size_t *outlen)
{
    char *d = apr_palloc(p, len + 1);
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            d[n++] = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;
            if (len - i < 3 || (hi = hexval(s[i + 1])) < 0
                || (lo = hexval(s[i + 2])) < 0)
                return -1;
            d[n++] = (char)(hi * 16 + lo);
            i += 2;
        }
        else {
            d[n++] = s[i];
        }
    }
    d[n] = '\0';
    *out = d;
    *outlen = n;
    return 0;
}

amx_query_status amx_query_param(apr_pool_t *p, const char *args,
                                 const char *name, const char **value,
                                 apr_size_t *len)
{
    amx_query_status st = AMX_QUERY_ABSENT;
    const char *pair = args;

    if (args == NULL)
        return AMX_QUERY_ABSENT;
    while (*pair) {
        const char *end = strchr(pair, '&');
        const char *eq;
        apr_size_t pairlen, keylen;
        char *key, *val;
        apr_size_t klen, vlen;

        if (end == NULL)
            end = pair + strlen(pair);
        pairlen = (apr_size_t)(end - pair);
        eq = memchr(pair, '=', pairlen);
        keylen = eq ? (apr_size_t)(eq - pair) : pairlen;
        if (pairlen > 0) {
            if (amx_query_decode(p, pair, keylen, &key, &klen) != 0)
                return AMX_QUERY_MALFORMED;
            if (klen == strlen(name) && strcasecmp(key, name) == 0) {
                if (st == AMX_QUERY_FOUND)
                    return AMX_QUERY_REPEATED;
                if (eq == NULL) {
                    val = apr_pstrdup(p, "");
                    vlen = 0;
                }
                else if (amx_query_decode(p, eq + 1, pairlen - keylen - 1,
                                          &val, &vlen) != 0) {
                    return AMX_QUERY_MALFORMED;
                }
                *value = val;
                *len = vlen;
                st = AMX_QUERY_FOUND;
            }
        }
        pair = *end ? end + 1 : end;
    }
    return st;
}
