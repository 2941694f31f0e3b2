/* Problem documents (RFC 9457) naming the field at fault. */
#include <string.h>

#include <apr_strings.h>

#include "amx_api_problem.h"

const char *amx_api_pointer(apr_pool_t *p, const char *field)
{
    /* "~" and "/" escaped as RFC 6901 says; "[N]" becomes "/N". */
    char *out = apr_palloc(p, 2 * strlen(field) + 2), *o = out;
    const char *s;
    *o++ = '/';
    for (s = field; *s; s++) {
        if (*s == '[' || *s == '.') {
            *o++ = '/';
        }
        else if (*s == ']') {
            continue;
        }
        else if (*s == '~') {
            *o++ = '~';
            *o++ = '0';
        }
        else if (*s == '/') {
            *o++ = '~';
            *o++ = '1';
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

json_t *amx_api_problem(apr_pool_t *p, int status, const char *title, const char *detail,
                        const char *field, const char *reason)
{
    json_t *doc = json_object();

    /* about:blank: the status says it all, the title is its phrase. */
    json_object_set_new(doc, "type", json_string("about:blank"));
    json_object_set_new(doc, "title", json_string(title));
    json_object_set_new(doc, "status", json_integer(status));
    if (detail)
        json_object_set_new(doc, "detail", json_string(detail));
    if (field) {
        json_t *param = json_object();
        json_t *params = json_array();
        json_object_set_new(param, "name", json_string(field));
        json_object_set_new(param, "reason", json_string(reason ? reason : "invalid"));
        json_array_append_new(params, param);
        json_object_set_new(doc, "invalid-params", params);
        json_object_set_new(doc, "pointer", json_string(amx_api_pointer(p, field)));
    }
    return doc;
}
