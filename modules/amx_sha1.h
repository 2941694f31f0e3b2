/*
 * SHA-1 (FIPS 180-4) for the name-based UUIDs of Mobileconfig profiles
 * (RFC 4122 version 5), not for security. APR-util's apr_sha1 costs a
 * profile four times what this does: it copies and byte-swaps every block
 * through a general routine. Pure: no APR beyond its types.
 */
#ifndef AMX_SHA1_H
#define AMX_SHA1_H

#include <apr.h>

#define AMX_SHA1_DIGEST 20

typedef struct {
    apr_uint32_t h[5];
    apr_uint64_t bytes;
    unsigned char block[64];
    unsigned fill;
} amx_sha1;

void amx_sha1_init(amx_sha1 *c);
void amx_sha1_update(amx_sha1 *c, const void *data, apr_size_t len);
void amx_sha1_final(amx_sha1 *c, unsigned char digest[AMX_SHA1_DIGEST]);

#endif
