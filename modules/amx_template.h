/*
 * Replies written once per domain and completed per request. The reply is
 * written for a stand-in address whose parts are markers, characters that
 * no database string of the domain holds (the caller checks); per request,
 * each marker is replaced by the escaped part of the real address, or by
 * another string the caller computes (a UUID). Pure: APR only.
 */
#ifndef AMX_TEMPLATE_H
#define AMX_TEMPLATE_H

#include <apr_pools.h>

/* Private-use code points U+10FFF0..U+10FFF3 in UTF-8: valid XML
 * characters that the writer copies as they are. */
#define AMX_TPL_ADDRESS "\xf4\x8f\xbf\xb0"
#define AMX_TPL_LOCAL   "\xf4\x8f\xbf\xb1"
#define AMX_TPL_DOMAIN  "\xf4\x8f\xbf\xb2"
/* Followed by 'A' + N: the caller's string N. */
#define AMX_TPL_SLOT    "\xf4\x8f\xbf\xb3"
#define AMX_TPL_MAX_SLOTS 26

/* 1 when S holds the first three bytes of a marker. */
int amx_tpl_has_marker(const char *s);

typedef struct {
    const char *data;
    apr_size_t len;
} amx_tpl_str;

/* The LEN bytes at TPL with every marker replaced: ADDRESS, LOCAL and
 * DOMAIN by PARTS[0..2], slot N by SLOTS[N]. The result is in P, its
 * length in *OUT_LEN; NULL when TPL holds a broken marker or a slot
 * beyond NSLOTS. */
char *amx_tpl_fill(apr_pool_t *p, const char *tpl, apr_size_t len, const amx_tpl_str parts[3],
                   const amx_tpl_str *slots, int nslots, apr_size_t *out_len);

/* The bytes kept beside a cached domain: FLAGS (the caller's), N strings
 * (at most AMX_TPL_MAX_SLOTS, e.g. what the slots are made from) and the
 * template. */
char *amx_tpl_pack(apr_pool_t *p, unsigned flags, const char *const *strings, int n,
                   const char *tpl, apr_size_t tpl_len, apr_size_t *len);

/* Reads what amx_tpl_pack() made; STRINGS has room for AMX_TPL_MAX_SLOTS.
 * 0, or -1 when the bytes are not such. */
int amx_tpl_unpack(const char *kept, apr_size_t len, unsigned *flags, const char **strings,
                   int *n, const char **tpl, apr_size_t *tpl_len);

#endif
