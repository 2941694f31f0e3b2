/* Merge patches, ETags and page parameters of the provisioning API. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "amx_api_doc.h"

json_t *amx_api_merge_patch(json_t *target, json_t *patch)
{
    json_t *out;
    const char *key;
    json_t *value;

    if (!json_is_object(patch))
        return json_deep_copy(patch);
    out = json_is_object(target) ? json_deep_copy(target) : json_object();
    json_object_foreach(patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(out, key);
        }
        else {
            json_t *merged = amx_api_merge_patch(json_object_get(out, key), value);
            json_object_set_new(out, key, merged);
        }
    }
    return out;
}

char *amx_api_canonical(apr_pool_t *p, json_t *doc)
{
    char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy = apr_pstrdup(p, s ? s : "null");
    free(s);
    return copy;
}

const char *amx_api_etag(apr_pool_t *p, const char *body)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char *hex, *h;

    EVP_Digest(body, strlen(body), md, &n, EVP_sha256(), NULL);
    /* 128 bits tell representations apart well enough and keep it short. */
    if (n > 16)
        n = 16;
    hex = h = apr_palloc(p, 2 * n + 3);
    *h++ = '"';
    for (i = 0; i < n; i++, h += 2)
        apr_snprintf(h, 3, "%02x", md[i]);
    *h++ = '"';
    *h = '\0';
    return hex;
}

int amx_api_etag_listed(apr_pool_t *p, const char *header, const char *etag, int weak)
{
    char *list = apr_pstrdup(p, header), *last = NULL, *tok;

    for (tok = apr_strtok(list, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        size_t n;
        while (*tok == ' ' || *tok == '\t')
            tok++;
        n = strlen(tok);
        while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            tok[--n] = '\0';
        if (strcmp(tok, "*") == 0)
            return 1;
        if (strncmp(tok, "W/", 2) == 0) {
            if (!weak)
                continue;
            tok += 2;
        }
        if (strcmp(tok, etag) == 0)
            return 1;
    }
    return 0;
}

/* Decodes %XX and '+' of a query string value. */
static char *unescape(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1])
                 && isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], '\0' };
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

const char *amx_api_arg(apr_pool_t *p, const char *args, const char *name)
{
    size_t len = strlen(name);
    const char *s = args;

    while (s && *s) {
        size_t n = strcspn(s, "&");
        if (n >= len && strncmp(s, name, len) == 0 && (n == len || s[len] == '='))
            return n == len ? "" : unescape(p, s + len + 1, n - len - 1);
        s += n;
        if (*s == '&')
            s++;
    }
    return NULL;
}

/* A whole number from MIN to MAX, nothing else. */
static int whole(const char *s, long min, long max, long *out)
{
    char *end;
    long v;
    if (*s < '0' || *s > '9' || strlen(s) > 10)
        return -1;
    v = strtol(s, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *amx_api_page_args(apr_pool_t *p, const char *args, long *limit, long *after,
                              const char **field)
{
    const char *v;

    *limit = AMX_API_PAGE_DEFAULT;
    *after = 0;
    if ((v = amx_api_arg(p, args, "limit")) != NULL
        && whole(v, 1, AMX_API_PAGE_MAX, limit) != 0) {
        *field = "limit";
        return apr_psprintf(p, "must be a whole number from 1 to %d", AMX_API_PAGE_MAX);
    }
    if ((v = amx_api_arg(p, args, "after")) != NULL
        && whole(v, 0, 2147483647L, after) != 0) {
        *field = "after";
        return "must be the id of the last item of the page before";
    }
    return NULL;
}
