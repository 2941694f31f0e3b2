/*
 * POST /autodiscover/autodiscover.xml (Outlook's POX protocol) and the JSON
 * pre-flight GET /autodiscover/autodiscover.json that Outlook's cloud
 * account setup sends first.
 */
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include <jansson.h>

#include "amx_serve.h"
#include "amx_autodiscover.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_query.h"
#include "amx_seed.h"
#include "amx_store.h"
#include "amx_template.h"
#include "amx_xml.h"

APLOG_USE_MODULE(automx);

/* text/xml or application/xml, parameters such as charset allowed. */
static int xml_content_type(const char *ct)
{
    const char *end;
    size_t n;

    if (ct == NULL)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    end = ct + strcspn(ct, "; \t");
    n = (size_t)(end - ct);
    return (n == 8 && strncasecmp(ct, "text/xml", 8) == 0)
        || (n == 15 && strncasecmp(ct, "application/xml", 15) == 0);
}

/* The smaller of LimitXMLRequestBody (0: unlimited) and our own cap. */
static apr_off_t body_limit(request_rec *r, const amx_dir_conf *conf)
{
    apr_off_t own = amx_conf_request_body_max(conf);
    apr_off_t xml = (apr_off_t)ap_get_limit_xml_body(r);
    return (xml > 0 && xml < own) ? xml : own;
}

static void feed(void *rd, const char *data, apr_size_t len)
{
    amx_ad_reader_feed(rd, data, len);
}

/* The body goes into the push parser as it arrives. */
static int read_request(request_rec *r, const amx_dir_conf *conf, amx_ad_request *req,
                        amx_ad_status *st)
{
    amx_ad_reader *rd = amx_ad_reader_create(r->pool);
    int rv = amx_http_read_body(r, body_limit(r, conf), "Autodiscover request body", feed, rd);
    if (rv == OK)
        *st = amx_ad_reader_finish(rd, req);
    return rv;
}

static int write_reply(request_rec *r, const char *what,
                       int (*write)(amx_xml *, void *), void *ctx)
{
    amx_http_out out;
    amx_xml *w;

    ap_set_content_type(r, "application/xml; charset=utf-8");
    amx_http_out_init(&out, r);
    w = amx_xml_open(r->pool, amx_http_out_write, &out);
    if ((w == NULL || write(w, ctx) != 0 || amx_xml_close(w) != 0) && !out.failed) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00104: could not write the %s reply", what);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return amx_http_out_finish(&out);
}

typedef struct {
    request_rec *r;
    amx_domain_data *d;
    amx_identity *id;
    amx_address *addr;
} outlook_ctx;

static int write_outlook(amx_xml *w, void *ctxv)
{
    outlook_ctx *c = ctxv;
    return amx_autodiscover_write(w, c->r->pool, c->d, c->id, c->addr);
}

static int send_template(request_rec *r, const amx_tpl *t, const amx_address *addr)
{
    ap_set_content_type(r, "application/xml; charset=utf-8");
    return amx_http_send_template(r, t, addr, NULL, 0);
}

static int write_mobilesync(amx_xml *w, void *address)
{
    return amx_autodiscover_write_mobilesync_error(w, address);
}

/* The Outlook reply of D as a template (amx_template.h), kept beside D
 * when it is cached; NULL when it cannot be one. */
static const char *make_template(request_rec *r, const amx_domain_data *d,
                                 amx_tpl *t)
{
    static const amx_address marker = { AMX_TPL_ADDRESS, AMX_TPL_LOCAL, AMX_TPL_DOMAIN };
    amx_xml_membuf buf = { r->pool, NULL, 0, 0 };
    amx_xml *w;

    if (!amx_http_templatable(d))
        return NULL;
    w = amx_xml_open(r->pool, amx_xml_membuf_write, &buf);
    if (w == NULL || amx_autodiscover_write(w, r->pool, d, NULL, &marker) != 0
        || amx_xml_close(w) != 0)
        return NULL;
    return amx_http_keep(r, d, AMX_KEPT_AUTODISCOVER, NULL, 0, buf.data, buf.len, t);
}

int amx_serve_autodiscover_xml(request_rec *r, const amx_dir_conf *conf)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    amx_ad_request req;
    amx_ad_status st = AMX_AD_EMPTY;
    amx_addr_status ast;
    amx_address *addr;
    amx_domain_data *d;
    amx_data_error err;
    amx_identity id;
    amx_tpl t;
    outlook_ctx oc;
    int rv, template;

    if (!xml_content_type(ct)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00100: Autodiscover request with content type \"%s\", "
                      "not text/xml or application/xml", ct ? ct : "(none)");
        return HTTP_BAD_REQUEST;
    }
    if ((rv = read_request(r, conf, &req, &st)) != OK)
        return rv;
    if (st != AMX_AD_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00101: invalid Autodiscover request: %s", req.reason);
        return HTTP_BAD_REQUEST;
    }
    addr = apr_pcalloc(r->pool, sizeof(*addr));
    ast = amx_address_parse(r->pool, req.address, req.address_len, addr);
    if (ast != AMX_ADDR_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00105: invalid EMailAddress in the Autodiscover request (%s): \"%s\"",
                      amx_address_strerror(ast),
                      apr_pstrmemdup(r->pool, req.address,
                                     req.address_len > 400 ? 400 : req.address_len));
        return HTTP_BAD_REQUEST;
    }
    if (req.schema_kind == AMX_AD_SCHEMA_OTHER) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00106: unsupported AcceptableResponseSchema \"%s\"", req.schema);
        return HTTP_BAD_REQUEST;
    }
    if (req.schema_kind == AMX_AD_SCHEMA_MOBILESYNC) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX00107: ActiveSync Autodiscover for %s: answering that none is offered",
                      addr->address);
        return write_reply(r, "ActiveSync Autodiscover", write_mobilesync,
                           (void *)addr->address);
    }
    if ((rv = amx_store_domain(r, addr->domain, &d)) != OK)
        return amx_http_status(r, conf, rv);
    amx_address_rebase(r->pool, addr, d->name);
    /* Without LDAP the reply depends on the address only where its parts
     * are written: a template made once per cached domain serves it (not
     * made with the cache off, where it would be thrown away). One is kept
     * only for servers that passed amx_domain_check(), and the domains
     * sharing it have the same. */
    template = d->ldap == NULL && amx_conf_cache(conf);
    if (template && amx_http_kept(r, d, AMX_KEPT_AUTODISCOVER, &t) != NULL)
        return send_template(r, &t, addr);
    if (amx_domain_check(d, &err) != 0)
        return amx_http_data_error(r, &err);
    amx_http_log_unwritable(r, d);
    if (template && make_template(r, d, &t) != NULL)
        return send_template(r, &t, addr);
    if ((rv = amx_ldap_identity(r, conf, d, addr, &id)) != OK)
        return amx_http_status(r, conf, rv);
    oc.r = r;
    oc.d = d;
    oc.id = &id;
    oc.addr = addr;
    return write_reply(r, "Autodiscover", write_outlook, &oc);
}

/* ---- JSON pre-flight ------------------------------------------------------ */

/* json_dump_callback's writer: 0, or -1 when the client went away. */
static int dump_to(const char *buffer, size_t size, void *out)
{
    return amx_http_out_write(out, buffer, (int)size) < 0 ? -1 : 0;
}

/* Sends OBJ as the body with STATUS; OBJ is freed with the request. */
static int send_json(request_rec *r, int status, json_t *obj)
{
    amx_http_out out;

    if (obj == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    apr_pool_cleanup_register(r->pool, obj, amx_seed_json_cleanup, apr_pool_cleanup_null);
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    /* json_dumpb without a buffer only counts. */
    ap_set_content_length(r, (apr_off_t)json_dumpb(obj, NULL, 0, JSON_COMPACT));
    amx_http_out_init(&out, r);
    if (!r->header_only)
        json_dump_callback(obj, dump_to, &out, JSON_COMPACT);
    return amx_http_out_finish(&out);
}

/* 1 when HOST goes into a JSON string as it is: httpd has checked the
 * Host header already, so this is all a name or address holds. */
static int plain_host(const char *host)
{
    for (; *host; host++) {
        if (!apr_isalnum(*host) && !strchr(".-_:[]", *host))
            return 0;
    }
    return 1;
}

/* The answer: where the POX Autodiscover of HOST is. What jansson would
 * write (compact, keys in this order), made without building an object
 * when the host needs no escaping. */
static int send_redirect(request_rec *r, const char *host)
{
    static const char head[] = "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://";
    static const char tail[] = "/autodiscover/autodiscover.xml\"}";
    const char *body;
    apr_size_t len;
    amx_http_out out;

    if (!plain_host(host))
        return send_json(r, HTTP_OK,
                         json_pack("{s:s, s:s}", "Protocol", "AutodiscoverV1", "Url",
                                   apr_pstrcat(r->pool, "https://", host,
                                               "/autodiscover/autodiscover.xml", NULL)));
    body = apr_pstrcat(r->pool, head, host, tail, NULL);
    len = strlen(body);
    r->status = HTTP_OK;
    ap_set_content_type(r, "application/json; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, body, (int)len);
    return amx_http_out_finish(&out);
}

static int json_error(request_rec *r, const char *code, const char *message)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00108: Autodiscover JSON request refused: %s", message);
    return send_json(r, HTTP_BAD_REQUEST,
                     json_pack("{s:s, s:s}", "ErrorCode", code, "ErrorMessage", message));
}

int amx_serve_autodiscover_json(request_rec *r, const amx_dir_conf *conf)
{
    const char *protocol = NULL, *email = NULL, *v1;
    apr_size_t plen = 0, elen = 0;
    amx_address addr;
    amx_addr_status ast;

    if (amx_query_param(r->pool, r->args, "Protocol", &protocol, &plen) != AMX_QUERY_FOUND
        || strlen(protocol) != plen || strcasecmp(protocol, "AutodiscoverV1") != 0)
        return json_error(r, "InvalidProtocol",
                          "The Protocol parameter must be AutodiscoverV1: this server "
                          "offers no Exchange Web Services, REST or ActiveSync");
    /* The address is either the last path segment after /v1.0/ (httpd has
     * decoded it already) or the Email parameter. */
    v1 = ap_strcasestr(r->uri, "/v1.0/");
    if (v1) {
        email = v1 + 6;
        elen = strlen(email);
    }
    else if (amx_query_param(r->pool, r->args, "Email", &email, &elen) != AMX_QUERY_FOUND) {
        email = "";
        elen = 0;
    }
    ast = amx_address_parse(r->pool, email, elen, &addr);
    if (ast != AMX_ADDR_OK)
        return json_error(r, "InvalidUser",
                          apr_pstrcat(r->pool, "The email address is invalid: ",
                                      amx_address_strerror(ast), NULL));
    return send_redirect(r, ap_get_server_name(r));
}
