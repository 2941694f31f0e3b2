/* RFC 4515 filter escaping: an address full of wildcards finds nobody. */
#include <apr_strings.h>
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
    const char *at = tmpl ? strstr(tmpl, "{0}") : NULL;

    if (at == NULL) {
        *why = "the search filter has no {0}";
        return NULL;
    }
    if (strstr(at + 3, "{0}") != NULL) {
        *why = "the search filter has more than one {0}";
        return NULL;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, tmpl, (apr_size_t)(at - tmpl)),
                       amx_ldap_escape(p, value, len), at + 3, NULL);
}
