/* GET /mail/config-v1.1.xml: Mozilla Autoconfig. */
#include <string.h>

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

#define CONTENT_TYPE "application/xml; charset=utf-8"

/* A reply made in memory, to be kept. */
typedef struct {
    apr_pool_t *pool;
    char *data;
    apr_size_t len, size;
} buffer;

/* amx_xml_write_fn into a buffer. */
static int append(void *ctx, const char *buf, int len)
{
    buffer *b = ctx;
    if (len <= 0)
        return len < 0 ? -1 : 0;
    if (b->len + (apr_size_t)len > b->size) {
        apr_size_t size = 2 * (b->len + (apr_size_t)len);
        char *data = apr_palloc(b->pool, size);
        if (b->len)  /* the first write finds no buffer yet */
            memcpy(data, b->data, b->len);
        b->data = data;
        b->size = size;
    }
    memcpy(b->data + b->len, buf, (apr_size_t)len);
    b->len += (apr_size_t)len;
    return len;
}

/* A reply made before: its LEN bytes at DATA. */
static int send_bytes(request_rec *r, const char *data, apr_size_t len)
{
    amx_http_out out;

    ap_set_content_type(r, CONTENT_TYPE);
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, data, (int)len);
    return amx_http_out_finish(&out);
}

int amx_serve_autoconfig(request_rec *r, const amx_dir_conf *conf)
{
    amx_address *addr;
    amx_domain_data *d;
    amx_autoconfig_doc *doc;
    amx_data_error err;
    amx_identity id;
    amx_http_out out;
    amx_xml *w;
    const char *domain, *kept;
    apr_size_t len;
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
    /* Without a directory the reply depends on the domain's rows only:
     * made once per generation of the cache, then sent as it is. */
    if (d->ldap == NULL && (kept = amx_store_kept(r, d, AMX_KEPT_AUTOCONFIG, &len)))
        return send_bytes(r, kept, len);
    amx_address_rebase(r->pool, addr, d->name);
    if (amx_autoconfig_prepare(r->pool, d, &doc, &err) != 0)
        return amx_http_data_error(r, &err);
    amx_http_log_unwritable(r, d);
    if ((rv = amx_ldap_identity(r, conf, d, addr, &id)) != OK)
        return amx_http_status(r, conf, rv);

    if (d->ldap == NULL) {
        buffer buf = { r->pool, NULL, 0, 0 };
        w = amx_xml_open(r->pool, append, &buf);
        if (w == NULL || amx_autoconfig_write(w, doc, &id) != 0 || amx_xml_close(w) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00051: could not write the Autoconfig reply for \"%s\"", domain);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        amx_store_keep(r, d, AMX_KEPT_AUTOCONFIG, buf.data, buf.len);
        return send_bytes(r, buf.data, buf.len);
    }
    ap_set_content_type(r, CONTENT_TYPE);
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
