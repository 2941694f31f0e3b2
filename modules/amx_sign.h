/*
 * CMS (PKCS#7) SignedData over a profile, as Apple devices verify it.
 * libcrypto and APR only.
 */
#ifndef AMX_SIGN_H
#define AMX_SIGN_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct amx_signer amx_signer;

/* Reads the signer certificate, its private key and optionally a file of
 * chain certificates (PEM), checks that key and certificate belong
 * together, and keeps them in P. Returns NULL, or a message naming the
 * file at fault. */
const char *amx_signer_load(apr_pool_t *p, const char *cert_file, const char *key_file,
                            const char *chain_file, amx_signer **out);

/* Seconds from NOW until the signer certificate expires (negative: it has). */
long long amx_signer_seconds_left(const amx_signer *s, apr_time_t now);

/* The certificate's subject, for messages. */
const char *amx_signer_subject(apr_pool_t *p, const amx_signer *s);

/* DER SignedData over LEN bytes at DATA, content embedded, with the signer
 * certificate and every chain certificate. Returns 0 or -1. */
int amx_signer_sign(const amx_signer *s, apr_pool_t *p, const char *data, apr_size_t len,
                    const char **der, apr_size_t *der_len);

#endif
