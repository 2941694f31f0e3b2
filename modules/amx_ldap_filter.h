/*
 * LDAP search filters from a template and an address. Pure: no httpd.
 */
#ifndef AMX_LDAP_FILTER_H
#define AMX_LDAP_FILTER_H

#include <apr_pools.h>

/* VALUE with the RFC 4515 escapes for '*', '(', ')', '\' and NUL (LEN
 * bytes, which may hold NUL). */
const char *amx_ldap_escape(apr_pool_t *p, const char *value, apr_size_t len);

/* TEMPLATE with every "{0}" replaced by VALUE, escaped. NULL with *WHY set
 * when the template has no "{0}" (or an absurd number of them). */
const char *amx_ldap_filter(apr_pool_t *p, const char *tmpl, const char *value,
                            apr_size_t len, const char **why);

#endif
