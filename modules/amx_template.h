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

/* A template read back from its bytes. */
typedef struct {
    unsigned flags;
    int n;                                  /* strings */
    const char *strings[AMX_TPL_MAX_SLOTS];
    const unsigned char *pieces;            /* npieces of (offset, length, marker) */
    apr_size_t npieces;
    const char *body;                       /* the reply's bytes between markers */
    apr_size_t body_len;
} amx_tpl;

/* The bytes to keep for the reply TPL (TPL_LEN bytes, markers in it):
 * FLAGS (the caller's, up to 255), N strings (at most AMX_TPL_MAX_SLOTS,
 * e.g. what the slots are made from) and where the markers are, found
 * once here. NULL when TPL holds a broken marker or a slot beyond N. */
char *amx_tpl_pack(apr_pool_t *p, unsigned flags, const char *const *strings, int n,
                   const char *tpl, apr_size_t tpl_len, apr_size_t *len);

/* Reads what amx_tpl_pack() made into *T (pointing into KEPT). 0, or -1
 * when the bytes are not such. */
int amx_tpl_unpack(const char *kept, apr_size_t len, amx_tpl *t);

/* The reply T makes with ADDRESS, LOCAL and DOMAIN markers replaced by
 * PARTS[0..2] and slot N by SLOTS[N] (N < NSLOTS); in P, its length in
 * *OUT_LEN. NULL when T names a slot beyond NSLOTS. */
char *amx_tpl_fill(apr_pool_t *p, const amx_tpl *t, const amx_tpl_str parts[3],
                   const amx_tpl_str *slots, int nslots, apr_size_t *out_len);

#endif
