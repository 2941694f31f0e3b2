/* GET /.well-known/user-agent-configuration.json on ua-auto-config.DOMAIN:
 * the PACC document of DOMAIN (SPEC section 14). */
#include <string.h>
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "amx_serve.h"
#include "amx_address.h"
#include "amx_http.h"
#include "amx_pacc.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

#define PACC_HOST_LABEL "ua-auto-config."

int amx_serve_pacc(request_rec *r, const amx_dir_conf *conf)
{
    const size_t label = sizeof(PACC_HOST_LABEL) - 1;
    const char *host = r->hostname, *domain = NULL, *json;
    amx_domain_data *d;
    amx_data_error err;
    amx_http_out out;
    int rv;

    /* The draft defines the document on that host only. */
    if (host && strncasecmp(host, PACC_HOST_LABEL, label) == 0)
        domain = amx_domain_normalize(r->pool, host + label, strlen(host + label));
    if (domain == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01510: PACC asked on host \"%s\", which is not ua-auto-config.DOMAIN",
                      host ? host : "");
        return HTTP_NOT_FOUND;
    }
    rv = amx_store_domain(r, domain, &d);
    if (rv == HTTP_NO_CONTENT) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01511: no PACC document: domain \"%s\" is not in the database", domain);
        return HTTP_NOT_FOUND;
    }
    if (rv != OK)
        return amx_http_status(r, conf, rv);
    if (amx_domain_check(d, &err) != 0 || amx_pacc_document(r->pool, d, &json, &err) != 0)
        return amx_http_data_error(r, &err);
    if (json == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01512: no PACC document for \"%s\": it has no server on implicit "
                      "TLS at its default port and no https DAV server", d->name);
        return HTTP_NOT_FOUND;
    }
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(json));
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, json, (int)strlen(json));
    return amx_http_out_finish(&out);
}
