/* Templates of replies: markers in, strings out; see amx_template.h.
 *
 * The kept bytes: "AMXT", flags, N, N NUL-terminated strings, the number
 * of pieces (4 bytes), the pieces (12 bytes each: offset and length of
 * the literal bytes before a marker in the body, then the marker: 0..2
 * for the address parts, 3 + K for slot K, NONE after the last literal),
 * then the body: the reply without its markers. */
#include <apr_strings.h>
#include <string.h>

#include "amx_template.h"

#define MARKER_LEN 4
#define MAGIC "AMXT"
#define PIECE 12
#define NONE 0xffffffffu

int amx_tpl_has_marker(const char *s)
{
    return s != NULL && strstr(s, "\xf4\x8f\xbf") != NULL;
}

static void put32(unsigned char *at, apr_uint32_t v)
{
    memcpy(at, &v, 4);
}

static apr_uint32_t get32(const unsigned char *at)
{
    apr_uint32_t v;
    memcpy(&v, at, 4);
    return v;
}

/* The marker at C (LEFT bytes from it to the end): its code, its length
 * in *SKIP; -1 when broken or a slot of N or beyond. */
static long marker(const char *c, apr_size_t left, int n, apr_size_t *skip)
{
    unsigned char k;
    int slot;

    if (left < MARKER_LEN || c[1] != '\x8f' || c[2] != '\xbf')
        return -1;
    k = (unsigned char)c[3];
    if (k >= 0xb0 && k <= 0xb2) {
        *skip = MARKER_LEN;
        return k - 0xb0;
    }
    if (k != 0xb3 || left < MARKER_LEN + 1)
        return -1;
    slot = c[4] - 'A';
    if (slot < 0 || slot >= n)
        return -1;
    *skip = MARKER_LEN + 1;
    return 3 + slot;
}

char *amx_tpl_pack(apr_pool_t *p, unsigned flags, const char *const *strings, int n,
                   const char *tpl, apr_size_t tpl_len, apr_size_t *len)
{
    const char *c, *end = tpl + tpl_len, *m;
    apr_size_t head, npieces = 1, at, body, skip;
    unsigned char *pieces;
    char *out;
    int i;

    if (n < 0 || n > AMX_TPL_MAX_SLOTS || flags > 0xff || tpl_len > 0x7fffffff)
        return NULL;
    for (c = tpl; (m = memchr(c, '\xf4', (size_t)(end - c))) != NULL; c = m + 1)
        npieces++;
    head = sizeof(MAGIC) - 1 + 2;
    for (i = 0; i < n; i++)
        head += strlen(strings[i]) + 1;
    out = apr_palloc(p, head + 4 + npieces * PIECE + tpl_len);
    memcpy(out, MAGIC, sizeof(MAGIC) - 1);
    at = sizeof(MAGIC) - 1;
    out[at++] = (char)flags;
    out[at++] = (char)n;
    for (i = 0; i < n; i++) {
        apr_size_t l = strlen(strings[i]) + 1;
        memcpy(out + at, strings[i], l);
        at += l;
    }
    pieces = (unsigned char *)out + at + 4;
    body = at + 4 + npieces * PIECE;
    npieces = 0;
    *len = body;
    for (c = tpl; ; c = m + skip) {
        long code;
        apr_size_t lit;
        m = memchr(c, '\xf4', (size_t)(end - c));
        lit = (apr_size_t)((m ? m : end) - c);
        code = m ? marker(m, (apr_size_t)(end - m), n, &skip) : (long)NONE;
        if (code < 0)
            return NULL;
        put32(pieces + npieces * PIECE, (apr_uint32_t)(*len - body));
        put32(pieces + npieces * PIECE + 4, (apr_uint32_t)lit);
        put32(pieces + npieces * PIECE + 8, (apr_uint32_t)code);
        npieces++;
        memcpy(out + *len, c, lit);
        *len += lit;
        if (m == NULL)
            break;
    }
    put32((unsigned char *)out + at, (apr_uint32_t)npieces);
    return out;
}

int amx_tpl_unpack(const char *kept, apr_size_t len, amx_tpl *t)
{
    apr_size_t at = sizeof(MAGIC) - 1 + 2, i;
    int k;

    if (kept == NULL || len < at || memcmp(kept, MAGIC, sizeof(MAGIC) - 1) != 0)
        return -1;
    t->flags = (unsigned char)kept[at - 2];
    t->n = (unsigned char)kept[at - 1];
    if (t->n > AMX_TPL_MAX_SLOTS)
        return -1;
    for (k = 0; k < t->n; k++) {
        const char *nul = memchr(kept + at, '\0', len - at);
        if (nul == NULL)
            return -1;
        t->strings[k] = kept + at;
        at = (apr_size_t)(nul - kept) + 1;
    }
    if (len - at < 4)
        return -1;
    t->npieces = get32((const unsigned char *)kept + at);
    at += 4;
    if (t->npieces == 0 || t->npieces > (len - at) / PIECE)
        return -1;
    t->pieces = (const unsigned char *)kept + at;
    t->body = kept + at + t->npieces * PIECE;
    t->body_len = len - (at + t->npieces * PIECE);
    for (i = 0; i < t->npieces; i++) {
        const unsigned char *e = t->pieces + i * PIECE;
        apr_uint32_t off = get32(e), lit = get32(e + 4), code = get32(e + 8);
        if (off > t->body_len || lit > t->body_len - off
            || (code != NONE && code >= 3u + (apr_uint32_t)t->n))
            return -1;
    }
    return 0;
}

char *amx_tpl_fill(apr_pool_t *p, const amx_tpl *t, const amx_tpl_str parts[3],
                   const amx_tpl_str *slots, int nslots, apr_size_t *out_len)
{
    const amx_tpl_str *v[1 + 3 + AMX_TPL_MAX_SLOTS];
    apr_size_t n = t->body_len, i;
    char *out, *o;
    int k;

    for (k = 0; k < 3; k++)
        v[k] = &parts[k];
    for (k = 0; k < nslots && k < AMX_TPL_MAX_SLOTS; k++)
        v[3 + k] = &slots[k];
    for (i = 0; i < t->npieces; i++) {
        apr_uint32_t code = get32(t->pieces + i * PIECE + 8);
        if (code == NONE)
            continue;
        if (code >= 3u + (apr_uint32_t)nslots)
            return NULL;
        n += v[code]->len;
    }
    o = out = apr_palloc(p, n + 1);
    for (i = 0; i < t->npieces; i++) {
        const unsigned char *e = t->pieces + i * PIECE;
        apr_uint32_t lit = get32(e + 4), code = get32(e + 8);
        memcpy(o, t->body + get32(e), lit);
        o += lit;
        if (code != NONE) {
            memcpy(o, v[code]->data, v[code]->len);
            o += v[code]->len;
        }
    }
    *o = '\0';
    *out_len = n;
    return out;
}
