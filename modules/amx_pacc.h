/*
 * The PACC document (draft-ietf-mailmaint-pacc-02) of one domain and its
 * SHA-256 digest for the _ua-auto-config TXT record. Pure: no httpd.
 *
 * A client checks the document it fetched against the digest in DNS, so
 * the bytes must not change while the data does not: keys are sorted and
 * the JSON is compact.
 */
#ifndef AMX_PACC_H
#define AMX_PACC_H

#include <apr_pools.h>

#include "amx_model.h"

/* Builds the document of D in P. It describes what the draft can: IMAP,
 * POP3 and SMTP servers on implicit TLS at their default ports (993, 995,
 * 465) that take a password, https CalDAV and CardDAV URLs, password
 * authentication and the provider's name. Returns 0 with *JSON set, or set
 * to NULL when there is nothing the draft can describe; -1 with ERR naming
 * the row when the data is unusable (the rules of amx_autoconfig_prepare). */
int amx_pacc_document(apr_pool_t *p, const amx_domain_data *d, const char **json,
                      amx_data_error *err);

/* The base64 SHA-256 of LEN bytes at DATA, as the TXT record's d= tag. */
const char *amx_pacc_digest(apr_pool_t *p, const char *data, apr_size_t len);

/* The TXT record's value: "v=UAAC1; a=sha256; d=DIGEST". */
const char *amx_pacc_txt(apr_pool_t *p, const char *digest);

#endif
