/*
 * Directory lookups through mod_ldap, so that httpd's LDAP directives
 * (LDAPTrustedGlobalCert, LDAPVerifyServerCert, LDAPConnectionTimeout,
 * the shared search cache) apply as to any other httpd LDAP user.
 */
#include "httpd.h"
#include "http_log.h"
#include "apr_optional.h"
#include "apr_strings.h"
#include "util_ldap.h"

#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_ldap_filter.h"
#include "amx_xml.h"
#include "amx_metrics.h"

APLOG_USE_MODULE(automx);

static APR_OPTIONAL_FN_TYPE(uldap_connection_find) *ldap_find = NULL;
static APR_OPTIONAL_FN_TYPE(uldap_connection_close) *ldap_close = NULL;
static APR_OPTIONAL_FN_TYPE(uldap_cache_getuserdn) *ldap_getuserdn = NULL;

void amx_ldap_retrieve(void)
{
    ldap_find = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_find);
    ldap_close = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_close);
    ldap_getuserdn = APR_RETRIEVE_OPTIONAL_FN(uldap_cache_getuserdn);
}

static int no_match(request_rec *r, const amx_dir_conf *conf, const char *address,
                    const char *reason)
{
    if (amx_conf_ldap_nomatch_status(conf) == HTTP_NO_CONTENT) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX00403: %s not in the directory (%s): empty reply "
                      "(AutomxLDAPNoMatch 204)", address, reason);
        return HTTP_NO_CONTENT;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "AMX00404: %s not in the directory (%s): database values", address, reason);
    return OK;
}

int amx_ldap_identity(request_rec *r, const amx_dir_conf *conf,
                      const amx_domain_data *d, const amx_address *addr,
                      amx_identity *id)
{
    const amx_ldapserver *l = d->ldap;
    util_ldap_connection_t *ldc;
    const char *filter, *why, *url, *host, *dn = NULL;
    const char **vals = NULL;
    char *attrs[3];
    apr_time_t start;
    int rc;

    id->uid = NULL;
    id->cn = NULL;
    if (l == NULL || addr == NULL)
        return OK;
    if (ldap_find == NULL || ldap_getuserdn == NULL || ldap_close == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00040: domain \"%s\" has an LDAP server (ldapserver id %ld) "
                      "but mod_ldap is not loaded: add 'LoadModule ldap_module' "
                      "(Debian: a2enmod ldap)", d->name, l->id);
        amx_metrics_unavailable(r, AMX_CAUSE_LDAP_MODULE);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    filter = amx_ldap_filter(r->pool, l->search_filter, addr->address,
                             strlen(addr->address), &why);
    if (filter == NULL) {
        amx_data_error err = { "ldapserver", l->id, "search_filter", l->search_filter };
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "AMX00400: %s", why);
        return amx_http_data_error(r, &err);
    }
    attrs[0] = (char *)l->attr_uid;
    attrs[1] = (char *)l->attr_cn;  /* NULL ends the list early */
    attrs[2] = NULL;
    /* An IPv6 literal in brackets, as in a URL: "::1:389" has no reading. */
    host = strchr(l->name, ':') && l->name[0] != '['
         ? apr_pstrcat(r->pool, "[", l->name, "]", NULL) : l->name;
    /* The search cache of mod_ldap is per URL: one per directory row. */
    url = apr_psprintf(r->pool, "%s://%s:%d/%s?%s,%s?sub?%s", l->use_ssl ? "ldaps" : "ldap",
                       host, l->port, l->search_base, l->attr_uid,
                       l->attr_cn ? l->attr_cn : "", l->search_filter);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "AMX00401: LDAP search %s base \"%s\" filter %s",
                  l->name, l->search_base, filter);
    start = apr_time_now();
    /* mod_ldap connects to the default port unless the host names one. */
    ldc = ldap_find(r, apr_psprintf(r->pool, "%s:%d", host, l->port), l->port,
                    l->bind_user, l->bind_password, always,
                    l->use_ssl ? APR_LDAP_SSL : APR_LDAP_NONE);
    if (ldc == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00402: no LDAP connection to %s:%d could be made", l->name, l->port);
        amx_metrics_ldap(AMX_LDAP_FAILED, start);
        amx_metrics_unavailable(r, AMX_CAUSE_LDAP_CONNECTION);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rc = ldap_getuserdn(r, ldc, url, l->search_base, LDAP_SCOPE_SUBTREE, attrs, filter,
                        &dn, &vals);
    why = ldc->reason;
    ldap_close(ldc);
    amx_metrics_ldap(rc == LDAP_SUCCESS ? (vals && vals[0] ? AMX_LDAP_FOUND : AMX_LDAP_NOT_FOUND)
                     : rc == LDAP_NO_SUCH_OBJECT ? AMX_LDAP_NOT_FOUND : AMX_LDAP_FAILED, start);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "AMX00405: LDAP lookup of %s on %s:%d: %s (%" APR_TIME_T_FMT " us)",
                  addr->address, l->name, l->port, rc == LDAP_SUCCESS ? "found" : ldap_err2string(rc),
                  apr_time_now() - start);
    /* mod_ldap says LDAP_NO_SUCH_OBJECT for two things: the search found
     * nobody (or several), with a reason of its own, and the server's
     * answer that the search base does not exist, which is a wrong row,
     * not a stranger: serving database values then would hide it. */
    if (rc == LDAP_NO_SUCH_OBJECT && why && strncmp(why, "User ", 5) == 0)
        return no_match(r, conf, addr->address, why);
    if (rc == LDAP_NO_SUCH_OBJECT) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX01301: LDAP server %s:%d (ldapserver id %ld) has no search base "
                      "\"%s\": fix search_base of that row (%s)", l->name, l->port, l->id,
                      l->search_base, why ? why : ldap_err2string(rc));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (rc == LDAP_FILTER_ERROR) {
        amx_data_error err = { "ldapserver", l->id, "search_filter", l->search_filter };
        return amx_http_data_error(r, &err);
    }
    if (rc != LDAP_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00406: LDAP server %s:%d (ldapserver id %ld) failed: %s (%s)",
                      l->name, l->port, l->id, ldap_err2string(rc), why ? why : "");
        amx_metrics_unavailable(r, AMX_CAUSE_LDAP_SERVER);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (vals) {
        id->uid = vals[0] ? apr_pstrdup(r->pool, vals[0]) : NULL;
        id->cn = (l->attr_cn && vals[1]) ? apr_pstrdup(r->pool, vals[1]) : NULL;
    }
    /* The replies write them with U+FFFD where XML cannot carry them. */
    if (amx_xml_unwritable(id->uid) >= 0 || amx_xml_unwritable(id->cn) >= 0)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "AMX01303: LDAP server %s:%d (ldapserver id %ld): attribute %s of "
                      "the entry for %s holds characters XML cannot carry, written as "
                      "U+FFFD", l->name, l->port, l->id,
                      amx_xml_unwritable(id->uid) >= 0 ? l->attr_uid : l->attr_cn,
                      addr->address);
    if (id->uid == NULL)
        return no_match(r, conf, addr->address, "the entry has no login name attribute");
    return OK;
}
