/* Templates of replies: markers in, strings out; see amx_template.h. */
#include <apr_strings.h>
#include <string.h>

#include "amx_template.h"

#define MARKER_LEN 4
#define MAGIC "AMXT"

int amx_tpl_has_marker(const char *s)
{
    return s != NULL && strstr(s, "\xf4\x8f\xbf") != NULL;
}

/* The string the marker at C (LEFT bytes from it to the end) stands for,
 * its length in *SKIP; NULL when broken. */
static const amx_tpl_str *marker(const char *c, apr_size_t left, const amx_tpl_str parts[3],
                                 const amx_tpl_str *slots, int nslots, apr_size_t *skip)
{
    unsigned char k;
    int n;

    if (left < MARKER_LEN || c[1] != '\x8f' || c[2] != '\xbf')
        return NULL;
    k = (unsigned char)c[3];
    if (k >= 0xb0 && k <= 0xb2) {
        *skip = MARKER_LEN;
        return &parts[k - 0xb0];
    }
    if (k != 0xb3 || left < MARKER_LEN + 1)
        return NULL;
    n = c[4] - 'A';
    if (n < 0 || n >= nslots)
        return NULL;
    *skip = MARKER_LEN + 1;
    return &slots[n];
}

char *amx_tpl_fill(apr_pool_t *p, const char *tpl, apr_size_t len, const amx_tpl_str parts[3],
                   const amx_tpl_str *slots, int nslots, apr_size_t *out_len)
{
    const char *c, *end = tpl + len;
    apr_size_t n = 0, skip;
    char *out, *o;
    int pass;

    /* One pass to measure, one to copy. */
    out = NULL;
    for (pass = 0; pass < 2; pass++) {
        o = out;
        for (c = tpl; c < end; ) {
            const char *m = memchr(c, '\xf4', (size_t)(end - c));
            const amx_tpl_str *v;
            apr_size_t lit = (apr_size_t)((m ? m : end) - c);
            if (pass)
                memcpy(o, c, lit), o += lit;
            else
                n += lit;
            if (m == NULL)
                break;
            v = marker(m, (apr_size_t)(end - m), parts, slots, nslots, &skip);
            if (v == NULL)
                return NULL;
            if (pass)
                memcpy(o, v->data, v->len), o += v->len;
            else
                n += v->len;
            c = m + skip;
        }
        if (pass == 0)
            out = apr_palloc(p, n + 1);
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

char *amx_tpl_pack(apr_pool_t *p, unsigned flags, const char *const *strings, int n,
                   const char *tpl, apr_size_t tpl_len, apr_size_t *len)
{
    apr_size_t total = sizeof(MAGIC) - 1 + 2 + tpl_len, at;
    char *out;
    int i;

    if (n < 0 || n > AMX_TPL_MAX_SLOTS || flags > 0xff)
        return NULL;
    for (i = 0; i < n; i++)
        total += strlen(strings[i]) + 1;
    out = apr_palloc(p, total);
    memcpy(out, MAGIC, sizeof(MAGIC) - 1);
    at = sizeof(MAGIC) - 1;
    out[at++] = (char)flags;
    out[at++] = (char)n;
    for (i = 0; i < n; i++) {
        apr_size_t l = strlen(strings[i]) + 1;
        memcpy(out + at, strings[i], l);
        at += l;
    }
    memcpy(out + at, tpl, tpl_len);
    *len = total;
    return out;
}

int amx_tpl_unpack(const char *kept, apr_size_t len, unsigned *flags, const char **strings,
                   int *n, const char **tpl, apr_size_t *tpl_len)
{
    apr_size_t at = sizeof(MAGIC) - 1 + 2;
    int i;

    if (kept == NULL || len < at || memcmp(kept, MAGIC, sizeof(MAGIC) - 1) != 0)
        return -1;
    *flags = (unsigned char)kept[at - 2];
    *n = (unsigned char)kept[at - 1];
    if (*n > AMX_TPL_MAX_SLOTS)
        return -1;
    for (i = 0; i < *n; i++) {
        const char *nul = memchr(kept + at, '\0', len - at);
        if (nul == NULL)
            return -1;
        strings[i] = kept + at;
        at = (apr_size_t)(nul - kept) + 1;
    }
    *tpl = kept + at;
    *tpl_len = len - at;
    return 0;
}
