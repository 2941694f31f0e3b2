/*
 * Mail addresses and domain names as clients send them. Pure: no httpd.
 */
#ifndef AMX_ADDRESS_H
#define AMX_ADDRESS_H

#include <apr_pools.h>

/* RFC 3696 (errata 1690): 64 + 1 + 255. */
#define AMX_ADDRESS_MAX 320

typedef enum {
    AMX_ADDR_OK = 0,
    AMX_ADDR_EMPTY,
    AMX_ADDR_TOO_LONG,
    AMX_ADDR_NO_AT,
    AMX_ADDR_MANY_AT,
    AMX_ADDR_EMPTY_LOCAL,
    AMX_ADDR_EMPTY_DOMAIN,
    AMX_ADDR_CONTROL,
    AMX_ADDR_SPACE,
    AMX_ADDR_UTF8,
    AMX_ADDR_IDN
} amx_addr_status;

typedef struct {
    const char *address; /* local "@" domain, as used for placeholders */
    const char *local;   /* as the client sent it */
    const char *domain;  /* normalised: lower case, no trailing dot; an
                          * internationalised name in the form it was sent
                          * in, made canonical (amx_idn_forms) */
} amx_address;

/* Parses LEN bytes at S (which may hold NUL bytes: they are rejected). */
amx_addr_status amx_address_parse(apr_pool_t *p, const char *s, apr_size_t len,
                                  amx_address *out);

/* After the lookup: ADDR's domain becomes STORED, the domain's name as the
 * database holds it, when the two differ other than in ASCII case (an
 * internationalised name found by its other form), so that replies carry
 * the stored form. */
void amx_address_rebase(apr_pool_t *p, amx_address *addr, const char *stored);

/* A short English reason for a status, for the error log. */
const char *amx_address_strerror(amx_addr_status st);

/* Lower-cases ASCII letters and drops one trailing dot. Returns NULL when
 * nothing is left. */
const char *amx_domain_normalize(apr_pool_t *p, const char *s, apr_size_t len);

/* The mail domain a request without an address is about: the host name
 * (port removed) without a leading "autoconfig." label. NULL when empty. */
const char *amx_domain_from_host(apr_pool_t *p, const char *host);

/* 1 when LEN bytes at S are well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF), else 0. */
int amx_utf8_valid(const char *s, apr_size_t len);

#endif
