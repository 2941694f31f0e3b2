/* GET /mail/config-v1.1.xml: Mozilla Autoconfig. */
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"

#include "amx_serve.h"
#include "amx_autoconfig.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_store.h"
#include "amx_xml.h"

APLOG_USE_MODULE(automx);

int amx_serve_autoconfig(request_rec *r, const amx_dir_conf *conf)
{
    amx_address *addr;
    amx_domain_data *d;
    amx_autoconfig_doc *doc;
    amx_data_error err;
    amx_identity id;
    amx_http_out out;
    amx_xml *w;
    const char *domain;
    int rv;

    /* Thunderbird for Android and KMail send no address: the domain is
     * then the one the request was sent to. */
    if ((rv = amx_http_query_address(r, "emailaddress", 1, &addr)) != OK)
        return rv;
    /* The Host the client sent, not ap_get_server_name(), which under
     * UseCanonicalName On is the ServerName whatever was asked; without a
     * Host (HTTP/1.0) the server's name is all there is. */
    if (addr)
        domain = addr->domain;
    else
        domain = amx_domain_from_host(r->pool, r->hostname ? r->hostname
                                                           : ap_get_server_name(r));
    if (domain == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00050: no emailaddress and no host name to take the domain from");
        return HTTP_BAD_REQUEST;
    }
    if ((rv = amx_store_domain(r, domain, &d)) != OK)
        return amx_http_status(r, conf, rv);
    amx_address_rebase(r->pool, addr, d->name);
    if (amx_autoconfig_prepare(r->pool, d, &doc, &err) != 0)
        return amx_http_data_error(r, &err);
    amx_http_log_unwritable(r, d);
    if ((rv = amx_ldap_identity(r, conf, d, addr, &id)) != OK)
        return amx_http_status(r, conf, rv);

    ap_set_content_type(r, "application/xml; charset=utf-8");
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    w = amx_xml_open(r->pool, amx_http_out_write, &out);
    if (w == NULL || amx_autoconfig_write(w, doc, &id) != 0 || amx_xml_close(w) != 0) {
        if (!out.failed) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00051: could not write the Autoconfig reply for \"%s\"", domain);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return amx_http_out_finish(&out);
}
