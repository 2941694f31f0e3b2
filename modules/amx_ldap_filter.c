/* RFC 4515 filter escaping: an address full of wildcards finds nobody. */
#include <apr_strings.h>
#include <sys/uio.h>
#include <string.h>

#include "amx_ldap_filter.h"

const char *amx_ldap_escape(apr_pool_t *p, const char *value, apr_size_t len)
{
    char *out = apr_palloc(p, len * 3 + 1), *w = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
            static const char hex[] = "0123456789abcdef";
            *w++ = '\\';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
        else {
            *w++ = (char)c;
        }
    }
    *w = '\0';
    return out;
}

const char *amx_ldap_filter(apr_pool_t *p, const char *tmpl, const char *value,
                            apr_size_t len, const char **why)
{
    const char *at = tmpl ? strstr(tmpl, "{0}") : NULL, *escaped, *rest;
    struct iovec parts[65];
    apr_size_t n = 0;

    if (at == NULL) {
        *why = "the search filter has no {0}";
        return NULL;
    }
    /* Every {0} of the template, as automx2 replaces them all; the value
     * is inserted escaped and never scanned again. */
    escaped = amx_ldap_escape(p, value, len);
    for (rest = tmpl; at; rest = at + 3, at = strstr(rest, "{0}")) {
        if (n + 3 > sizeof(parts) / sizeof(parts[0])) {
            *why = "the search filter has more than 32 {0}";
            return NULL;
        }
        parts[n].iov_base = (void *)rest;
        parts[n++].iov_len = (apr_size_t)(at - rest);
        parts[n].iov_base = (void *)escaped;
        parts[n++].iov_len = strlen(escaped);
    }
    parts[n].iov_base = (void *)rest;
    parts[n++].iov_len = strlen(rest);
    return apr_pstrcatv(p, parts, n, NULL);
}
