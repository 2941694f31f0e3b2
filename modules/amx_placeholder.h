/*
 * Mozilla-style placeholders in database strings. Pure: no httpd.
 */
#ifndef AMX_PLACEHOLDER_H
#define AMX_PLACEHOLDER_H

#include <apr_pools.h>

#include "amx_address.h"

/* Replaces %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% in S with
 * the parts of ADDR. Replacement text is not scanned again, so an address
 * that itself contains a placeholder cannot expand twice. With ADDR or S
 * NULL, S is returned unchanged. */
const char *amx_placeholder_expand(apr_pool_t *p, const char *s,
                                   const amx_address *addr);

#endif
