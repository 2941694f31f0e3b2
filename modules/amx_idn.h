/*
 * Internationalised domain names: the two forms of a domain, A-labels
 * (xn--mnchen-3ya.de) and U-labels (münchen.de), by IDNA 2008 with the
 * UTS #46 mapping, through libidn2. Pure: no httpd.
 */
#ifndef AMX_IDN_H
#define AMX_IDN_H

#include <apr_pools.h>

/* DOMAIN (valid UTF-8, ASCII lower case, no trailing dot) in the form to
 * look up first and its other form. Plain ASCII without an "xn--" label has
 * no other form: *LOOKUP is DOMAIN and *OTHER NULL, and libidn2 is not
 * called. Otherwise *LOOKUP is the form the client used, made canonical
 * (U-labels mapped to lower case and NFC, A-labels validated by a round
 * trip), and *OTHER the other form. Returns 0, or -1 when DOMAIN is not a
 * valid internationalised name (*LOOKUP and *OTHER NULL). */
int amx_idn_forms(apr_pool_t *p, const char *domain, const char **lookup,
                  const char **other);

#endif
