/*
 * Login and display names from a directory, through mod_ldap.
 */
#ifndef AMX_LDAP_H
#define AMX_LDAP_H

#include "httpd.h"

#include "amx_config.h"
#include "amx_address.h"
#include "amx_model.h"

/* Looks up mod_ldap's optional functions; mod_ldap is optional. */
void amx_ldap_retrieve(void);

/* Fills *ID for ADDR when D has an LDAP server (ID stays empty without one
 * or without an address). Returns OK; HTTP_NO_CONTENT when the directory
 * knows nobody and AutomxLDAPNoMatch 204 is set; HTTP_SERVICE_UNAVAILABLE
 * when the directory cannot be asked (logged). */
int amx_ldap_identity(request_rec *r, const amx_dir_conf *conf,
                      const amx_domain_data *d, const amx_address *addr,
                      amx_identity *id);

#endif
