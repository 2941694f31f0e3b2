/* automx-initdb, GET with Accept: text/dns: the DNS records every domain
 * (or ?domain=NAME) needs, as a zone-file snippet (SPEC section 13). */
#include <string.h>
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "amx_config.h"
#include "amx_address.h"
#include "amx_dns.h"
#include "amx_http.h"
#include "amx_initdb.h"
#include "amx_pacc.h"
#include "amx_query.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* The snippet of one domain into *TEXT. ONE: the only domain asked for, so
 * its problems are the reply's status; else they become a comment. */
static int domain_zone(request_rec *r, const amx_dir_conf *conf, const char *name, int one,
                       const char **text)
{
    amx_domain_data *d;
    amx_data_error err;
    const char *json, *txt = NULL;
    int rv = amx_store_domain(r, name, &d);

    *text = "";
    if (rv == HTTP_NO_CONTENT && one) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01520: DNS records asked for \"%s\", which is not in the database", name);
        return HTTP_NOT_FOUND;
    }
    if (rv == HTTP_NO_CONTENT)
        return OK;  /* deleted since the list was read */
    if (rv != OK)
        return rv;
    if (amx_domain_check(d, &err) != 0 || amx_pacc_document(r->pool, d, &json, &err) != 0) {
        if (one)
            return amx_http_data_error(r, &err);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "AMX01521: no DNS records for \"%s\": table %s, row id %ld, column %s "
                      "has the unusable value \"%s\"", d->name, err.table, err.id, err.column,
                      err.value ? err.value : "(NULL)");
        *text = apr_psprintf(r->pool, "; %s left out: a data error in table %s, row id %ld\n\n",
                             d->name, err.table, err.id);
        return OK;
    }
    if (json)
        txt = amx_pacc_txt(r->pool, amx_pacc_digest(r->pool, json, strlen(json)));
    *text = apr_pstrcat(r->pool, amx_dns_zone(r->pool, d, amx_conf_public_host(conf, r->server),
                                              txt), "\n", NULL);
    return OK;
}

static int domain_name(request_rec *r, const apr_dbd_driver_t *driver, apr_dbd_row_t *row,
                       void *ctx, const char **error)
{
    /* The pgsql and mysql drivers reuse the row's memory for the next. */
    const char *name = amx_store_entry(driver, row, 0);
    if (name)
        APR_ARRAY_PUSH((apr_array_header_t *)ctx, const char *) = apr_pstrdup(r->pool, name);
    return 0;
}

static int all_domains(request_rec *r, ap_dbd_t *dbd, apr_array_header_t **names)
{
    const char *error = NULL;

    *names = apr_array_make(r->pool, 16, sizeof(const char *));
    if (amx_store_select(r, dbd, "automx_dns_domains", "SELECT name FROM domain ORDER BY name",
                         0, NULL, domain_name, *names, &error) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX01522: listing the domains for their DNS records failed: %s",
                      error ? error : "unknown error");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

int amx_serve_dns(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd)
{
    apr_array_header_t *names, *parts;
    const char *value, *text, *body;
    apr_size_t len;
    amx_http_out out;
    int i, rv, one = 0;

    switch (amx_query_param(r->pool, r->args, "domain", &value, &len)) {
    case AMX_QUERY_FOUND:
        names = apr_array_make(r->pool, 1, sizeof(const char *));
        for (i = 0; i < (int)len && (unsigned char)value[i] > ' ' && value[i] != 0x7F; i++)
            ;
        value = i == (int)len ? amx_domain_normalize(r->pool, value, len) : NULL;
        if (value == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "AMX01523: DNS records asked for an empty or unusable domain name");
            return HTTP_BAD_REQUEST;
        }
        APR_ARRAY_PUSH(names, const char *) = value;
        one = 1;
        break;
    case AMX_QUERY_ABSENT:
        if ((rv = all_domains(r, dbd, &names)) != OK)
            return amx_http_status(r, conf, rv);
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01523: parameter 'domain' repeated or malformed");
        return HTTP_BAD_REQUEST;
    }
    parts = apr_array_make(r->pool, names->nelts + 1, sizeof(const char *));
    for (i = 0; i < names->nelts; i++) {
        rv = domain_zone(r, conf, APR_ARRAY_IDX(names, i, const char *), one, &text);
        if (rv != OK)
            return amx_http_status(r, conf, rv);
        APR_ARRAY_PUSH(parts, const char *) = text;
    }
    body = apr_array_pstrcat(r->pool, parts, 0);
    ap_set_content_type(r, "text/dns");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, body, (int)strlen(body));
    return amx_http_out_finish(&out);
}
