/* GET /mobileconfig/: an Apple configuration profile, signed when
 * AutomxMobileconfigSign is set. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "amx_serve.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_mobileconfig.h"
#include "amx_query.h"
#include "amx_sign.h"
#include "amx_store.h"
#include "amx_template.h"
#include "amx_xml.h"

APLOG_USE_MODULE(automx);

#define NAME_MAX_OCTETS 256

/* An optional display text from the query: absent is fine, but what is
 * there must be sound UTF-8 without control characters. */
static int optional_text(request_rec *r, const char *param, const char **out)
{
    const char *v;
    apr_size_t len;
    apr_size_t i;

    *out = NULL;
    switch (amx_query_param(r->pool, r->args, param, &v, &len)) {
    case AMX_QUERY_ABSENT:
        return OK;
    case AMX_QUERY_FOUND:
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00200: parameter '%s' repeated or malformed", param);
        return HTTP_BAD_REQUEST;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
            break;
    }
    if (i < len || len > NAME_MAX_OCTETS || !amx_utf8_valid(v, len)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00201: parameter '%s' is not printable UTF-8 of at most %d octets",
                      param, NAME_MAX_OCTETS);
        return HTTP_BAD_REQUEST;
    }
    *out = len ? v : NULL;
    return OK;
}

static int send_signed(request_rec *r, const amx_dir_conf *conf, const char *data,
                       apr_size_t len)
{
    const char *der;
    apr_size_t der_len;
    amx_http_out out;

    if (amx_signer_sign(conf->signer, r->pool, data, len, &der, &der_len) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00205: signing the profile failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_set_content_length(r, (apr_off_t)der_len);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, der, (int)der_len);
    return amx_http_out_finish(&out);
}

/* The profile of D without a name or password as a template whose slots
 * are its UUIDs, kept beside D when it is cached with the names they are
 * made from; NULL when it cannot be one. */
static const char *make_template(request_rec *r, const amx_domain_data *d,
                                 const amx_mc_servers *servers, amx_tpl *t)
{
    static const amx_address marker = { AMX_TPL_ADDRESS, AMX_TPL_LOCAL, AMX_TPL_DOMAIN };
    static const amx_identity none = { NULL, NULL };
    amx_xml_membuf buf = { r->pool, NULL, 0, 0 };
    amx_mc_request req = { &marker, NULL, NULL, &none, NULL };
    amx_xml *w;

    if (!amx_http_templatable(d) || !amx_mc_templatable(r->pool, d))
        return NULL;
    req.uuid_names = apr_array_make(r->pool, 4, sizeof(const char *));
    w = amx_xml_open(r->pool, amx_xml_membuf_write, &buf);
    if (w == NULL || amx_mobileconfig_write(w, r->pool, d, servers, &req) != 0
        || amx_xml_close(w) != 0)
        return NULL;
    return amx_http_keep(r, d, AMX_KEPT_MOBILECONFIG, (const char *const *)req.uuid_names->elts,
                         req.uuid_names->nelts, buf.data, buf.len, t);
}

/* The profile from template T, completed with the address and its UUIDs. */
static int send_template(request_rec *r, const amx_tpl *t, const amx_address *addr)
{
    amx_tpl_str uuids[AMX_TPL_MAX_SLOTS];
    int i;

    for (i = 0; i < t->n; i++) {
        uuids[i].data = amx_mc_uuid(r->pool, addr->address, t->strings[i]);
        uuids[i].len = 36;
    }
    return amx_http_send_template(r, t, addr, uuids, t->n);
}

int amx_serve_mobileconfig(request_rec *r, const amx_dir_conf *conf)
{
    amx_address *addr;
    amx_domain_data *d;
    amx_data_error err;
    amx_identity id;
    amx_mc_servers servers;
    amx_mc_request req;
    const char *name, *password, *why;
    amx_xml *w;
    amx_tpl t;
    const char *kept;
    int rv, template;

    if ((rv = amx_http_query_address(r, "emailaddress", 0, &addr)) != OK)
        return rv;
    if ((rv = optional_text(r, "name", &name)) != OK
        || (rv = optional_text(r, "password", &password)) != OK)
        return rv;
    if (password && !amx_conf_mobileconfig_passwords(conf)) {
        /* Any client can send one: a note for the administrator who
         * wonders why profiles come without it, not a warning. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00202: a password was sent for %s and ignored: "
                      "AutomxMobileconfigPasswords is Off", addr->address);
        password = NULL;
    }
    /* The password would have crossed the network in clear: refuse, so
     * that the client's user learns it, rather than profile it. */
    if (password && !amx_conf_passwords_over_http(conf)
        && strcmp(ap_http_scheme(r), "https") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01300: a password for %s was sent over plain http: refused "
                      "(AutomxMobileconfigPasswordsOverHTTP On allows it)", addr->address);
        return HTTP_BAD_REQUEST;
    }
    if ((rv = amx_store_domain(r, addr->domain, &d)) != OK)
        return amx_http_status(r, conf, rv);
    amx_address_rebase(r->pool, addr, d->name);
    /* A profile without LDAP, name, password or signature depends on the
     * address only where its parts and UUIDs are written: a template made
     * once per cached domain serves it (not made with the cache off, where
     * it would be thrown away). One is kept only for servers that passed
     * the checks below, and the domains sharing it have the same. */
    template = d->ldap == NULL && name == NULL && password == NULL && conf->signer == NULL
            && amx_conf_cache(conf);
    kept = template ? amx_http_kept(r, d, AMX_KEPT_MOBILECONFIG, &t) : NULL;
    id.uid = id.cn = NULL;
    if (kept == NULL) {
        if (amx_domain_check(d, &err) != 0)
            return amx_http_data_error(r, &err);
        amx_http_log_unwritable(r, d);
        if ((why = amx_mc_choose(d, &servers)) != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00203: no Mobileconfig for domain \"%s\" (id %ld): %s",
                          d->name, d->id, why);
            return HTTP_BAD_REQUEST;
        }
        if (amx_mc_authentication(servers.incoming->authentication) == NULL
            || amx_mc_authentication(servers.outgoing->authentication) == NULL) {
            const amx_server *s = amx_mc_authentication(servers.incoming->authentication)
                                ? servers.outgoing : servers.incoming;
            amx_data_error_set(&err, "server", s->id, "authentication", s->authentication);
            return amx_http_data_error(r, &err);
        }
        if ((rv = amx_ldap_identity(r, conf, d, addr, &id)) != OK)
            return amx_http_status(r, conf, rv);
    }

    req.addr = addr;
    req.account_name = id.cn ? id.cn : name;
    req.password = password;
    req.id = &id;
    req.uuid_names = NULL;
    ap_set_content_type(r, "application/x-apple-aspen-config");
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_pstrcat(r->pool, "attachment; filename=\"",
                               amx_mc_filename(r->pool, addr->domain), "\"", NULL));
    /* A password in the profile must not stay in a shared cache. */
    if (password)
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");

    if (conf->signer) {
        /* The signature covers the whole plist: it is made in memory. */
        amx_xml_membuf buf = { r->pool, NULL, 0, 0 };
        w = amx_xml_open(r->pool, amx_xml_membuf_write, &buf);
        if (w == NULL || amx_mobileconfig_write(w, r->pool, d, &servers, &req) != 0
            || amx_xml_close(w) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00204: could not write the profile for \"%s\"", d->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        return send_signed(r, conf, buf.data, buf.len);
    }
    if (r->header_only)
        return OK;
    if (template && (kept || make_template(r, d, &servers, &t)))
        return send_template(r, &t, addr);
    {
        amx_http_out out;
        amx_http_out_init(&out, r);
        w = amx_xml_open(r->pool, amx_http_out_write, &out);
        if ((w == NULL || amx_mobileconfig_write(w, r->pool, d, &servers, &req) != 0
             || amx_xml_close(w) != 0) && !out.failed) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00206: could not write the profile for \"%s\"", d->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        return amx_http_out_finish(&out);
    }
}
