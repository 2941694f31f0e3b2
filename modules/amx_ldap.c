/* Directory lookups through mod_ldap's connection and search cache. */
#include "httpd.h"
#include "http_log.h"
#include "apr_optional.h"
#include "util_ldap.h"

#include "amx_ldap.h"

APLOG_USE_MODULE(automx);

static APR_OPTIONAL_FN_TYPE(uldap_connection_find) *ldap_connection_find = NULL;

void amx_ldap_retrieve(void)
{
    ldap_connection_find = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_find);
}

int amx_ldap_identity(request_rec *r, const amx_dir_conf *conf,
                      const amx_domain_data *d, const amx_address *addr,
                      amx_identity *id)
{
    id->uid = NULL;
    id->cn = NULL;
    if (d->ldap == NULL || addr == NULL)
        return OK;
    if (ldap_connection_find == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00040: domain \"%s\" has an LDAP server (ldapserver id %ld) "
                      "but mod_ldap is not loaded: add 'LoadModule ldap_module' "
                      "(Debian: a2enmod ldap)", d->name, d->ldap->id);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "AMX00041: LDAP lookups are not part of this build yet; "
                  "using the database values for \"%s\"", d->name);
    return OK;
}
