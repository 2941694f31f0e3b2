/* GET /: the self-service page (SPEC section 9). The page itself is made
 * by amx_site_page.c; this file asks the database and sends it. */
#include "httpd.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "apr_escape.h"
#include "apr_strings.h"
#include <string.h>

#include "amx_serve.h"
#include "amx_autoconfig.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_mobileconfig.h"
#include "amx_qr.h"
#include "amx_query.h"
#include "amx_site_page.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* What the visitor typed, fit to be shown back (escaped later): printable
 * UTF-8 only, else nothing. */
static const char *shown(apr_pool_t *p, const char *v, apr_size_t len)
{
    apr_size_t i;
    if (v == NULL || len > AMX_ADDRESS_MAX * 2 || !amx_utf8_valid(v, len))
        return NULL;
    for (i = 0; i < len; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
            return NULL;
    }
    return apr_pstrmemdup(p, v, len);
}

/* Can this domain have a profile? Mobileconfig answers 400 otherwise. */
static int has_profile(const amx_domain_data *d)
{
    amx_mc_servers servers;
    return amx_mc_choose(d, &servers) == NULL
        && amx_mc_authentication(servers.incoming->authentication) != NULL
        && amx_mc_authentication(servers.outgoing->authentication) != NULL;
}

/* The settings of ADDR into PG. Returns OK, or the status of a failed
 * lookup (503 and the like) that gets httpd's own error page. */
static int settings(request_rec *r, const amx_dir_conf *conf, const amx_address *addr,
                    amx_site_page *pg, int *status)
{
    amx_domain_data *d;
    amx_autoconfig_doc *doc;
    amx_data_error err;
    amx_identity id;
    const char *query;
    int rv = amx_store_domain(r, addr->domain, &d);

    pg->domain = addr->domain;
    if (rv == HTTP_NO_CONTENT) {
        pg->kind = AMX_PAGE_UNKNOWN_DOMAIN;
        return OK;
    }
    if (rv != OK)
        return rv;
    if (amx_autoconfig_prepare(r->pool, d, &doc, &err) != 0) {
        *status = amx_http_data_error(r, &err);
        pg->kind = AMX_PAGE_DATA_ERROR;
        return OK;
    }
    rv = amx_ldap_identity(r, conf, d, addr, &id);
    if (rv == HTTP_NO_CONTENT) {
        /* AutomxLDAPNoMatch 204: the directory does not know the address. */
        pg->kind = AMX_PAGE_UNKNOWN_DOMAIN;
        return OK;
    }
    if (rv != OK)
        return rv;
    pg->kind = AMX_PAGE_SETTINGS;
    pg->domain = d->name;
    pg->provider = doc->display_name;
    amx_site_settings(r->pool, doc, addr, &id, pg);
    query = apr_pescape_urlencoded(r->pool, addr->address);
    if (has_profile(d))
        pg->profile_url = apr_pstrcat(r->pool, "/mobileconfig/?emailaddress=", query, NULL);
    pg->page_url = ap_construct_url(r->pool, apr_pstrcat(r->pool, "/?emailaddress=", query,
                                                         NULL), r);
    pg->qr_svg = amx_qr_svg(r->pool, pg->page_url);
    return OK;
}

static int send_page(request_rec *r, const amx_dir_conf *conf, const amx_site_page *pg,
                     int status)
{
    amx_site_brand brand = { conf->site_title, conf->site_logo, conf->site_support };
    const amx_site_template *t = conf->site_template ? conf->site_template
                                                     : amx_site_template_builtin(r->pool);
    const char *body = amx_site_render(r->pool, t, &brand, pg);
    apr_size_t len = strlen(body);
    amx_http_out out;

    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Content-Security-Policy", amx_site_csp(r->pool));
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    /* The address is in the URL: it must not travel on to other sites. */
    apr_table_setn(r->headers_out, "Referrer-Policy", "no-referrer");
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, body, (int)len);
    return amx_http_out_finish(&out);
}

int amx_serve_site(request_rec *r, const amx_dir_conf *conf)
{
    const char *first, *error, *value = NULL;
    apr_size_t len = 0;
    amx_query_status qs;
    amx_site_page pg;
    int rv, status = HTTP_OK;

    memset(&pg, 0, sizeof(pg));
    pg.device = amx_site_device(apr_table_get(r->headers_in, "User-Agent"));
    pg.initdb_url = amx_conf_initdb_url(conf);

    rv = amx_store_first_domain(r, &first, &error);
    if (rv != OK && error == NULL)
        return amx_http_unavailable(r, conf); /* no connection at all */
    qs = amx_query_param(r->pool, r->args, "emailaddress", &value, &len);
    if (rv != OK) {
        /* Most often the tables have not been created yet. What the
         * database said (table names, its version, sometimes a host)
         * goes to the error log only: anyone can load this page. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00060: the automx tables cannot be read: %s", error);
        pg.kind = AMX_PAGE_NO_TABLES;
    }
    else if (first == NULL)
        pg.kind = AMX_PAGE_NO_DOMAINS;
    else if (qs == AMX_QUERY_MALFORMED || qs == AMX_QUERY_REPEATED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01501: the site root's query string is malformed or repeats "
                      "'emailaddress'");
        pg.kind = AMX_PAGE_INVALID_ADDRESS;
        status = HTTP_BAD_REQUEST;
    }
    else if (qs == AMX_QUERY_FOUND && len > 0) {
        amx_address *addr = apr_pcalloc(r->pool, sizeof(*addr));
        amx_addr_status st = amx_address_parse(r->pool, value, len, addr);
        pg.address = shown(r->pool, value, len);
        if (st != AMX_ADDR_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "AMX01502: the site root was asked for an invalid address (%s)",
                          amx_address_strerror(st));
            pg.kind = AMX_PAGE_INVALID_ADDRESS;
            status = HTTP_BAD_REQUEST;
        }
        else if ((rv = settings(r, conf, addr, &pg, &status)) != OK)
            return amx_http_status(r, conf, rv);
        else
            pg.address = addr->address;
    }
    return send_page(r, conf, &pg, status);
}
