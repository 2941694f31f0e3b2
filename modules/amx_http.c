/* Request and reply plumbing shared by the protocol endpoints. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_filter.h"
#include "apr_strings.h"

#include "amx_http.h"
#include "amx_query.h"
#include "amx_store.h"
#include "amx_template.h"
#include "amx_xml.h"

APLOG_USE_MODULE(automx);

void amx_http_out_init(amx_http_out *out, request_rec *r)
{
    out->r = r;
    out->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    out->failed = 0;
    out->finished = 0;
}

int amx_http_out_write(void *ctx, const char *buf, int len)
{
    amx_http_out *out = ctx;

    if (out->failed || out->finished || len < 0)
        return -1;
    /* ap_fwrite passes full brigades down the filter chain by itself. */
    if (ap_fwrite(out->r->output_filters, out->bb, buf, (apr_size_t)len) != APR_SUCCESS) {
        out->failed = 1;
        return -1;
    }
    return len;
}

int amx_http_out_finish(amx_http_out *out)
{
    apr_status_t rv;

    if (out->finished)
        return OK;
    out->finished = 1;
    if (out->failed) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, out->r,
                      "AMX00020: reply not completed: the client went away");
        apr_brigade_cleanup(out->bb);
        return AP_FILTER_ERROR;
    }
    /* httpd's core output filter holds back a reply of under 4 KB kept in
     * memory, to be written after the request by the MPM's listener:
     * a second trip through the event MPM's queue per request, which a
     * static file (a file bucket) does not take. A reply whose length is
     * known is flushed here instead, in the worker; without one, a flush
     * before EOS would make the reply chunked. */
    if (apr_table_get(out->r->headers_out, "Content-Length"))
        APR_BRIGADE_INSERT_TAIL(out->bb, apr_bucket_flush_create(out->bb->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(out->bb, apr_bucket_eos_create(out->bb->bucket_alloc));
    rv = ap_pass_brigade(out->r->output_filters, out->bb);
    apr_brigade_cleanup(out->bb);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, out->r,
                      "AMX00021: reply not completed");
        return AP_FILTER_ERROR;
    }
    return OK;
}

int amx_http_query_address(request_rec *r, const char *name, int optional,
                           amx_address **addr)
{
    const char *value = NULL;
    apr_size_t len = 0;
    amx_addr_status st;
    amx_address *a;

    *addr = NULL;
    switch (amx_query_param(r->pool, r->args, name, &value, &len)) {
    case AMX_QUERY_MALFORMED:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00010: malformed query string");
        return HTTP_BAD_REQUEST;
    case AMX_QUERY_REPEATED:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00011: parameter '%s' given more than once", name);
        return HTTP_BAD_REQUEST;
    case AMX_QUERY_ABSENT:
        value = "";
        len = 0;
        break;
    case AMX_QUERY_FOUND:
        break;
    }
    if (len == 0 && optional)
        return OK;
    a = apr_pcalloc(r->pool, sizeof(*a));
    st = amx_address_parse(r->pool, value, len, a);
    if (st != AMX_ADDR_OK) {
        /* httpd escapes control characters in error log messages, so a
         * CR LF in the address cannot forge a log line. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00012: invalid address in '%s' (%s): \"%s\"", name,
                      amx_address_strerror(st),
                      apr_pstrmemdup(r->pool, value, len > 400 ? 400 : len));
        return HTTP_BAD_REQUEST;
    }
    *addr = a;
    return OK;
}

static int body_too_large(request_rec *r, const char *what, apr_off_t limit)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00022: %s over the limit of %" APR_OFF_T_FMT " bytes", what, limit);
    return HTTP_REQUEST_ENTITY_TOO_LARGE;
}

int amx_http_read_body(request_rec *r, apr_off_t limit, const char *what,
                       amx_http_body_fn fn, void *ctx)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb;
    apr_off_t total = 0, n;
    int eos = 0;

    if (cl && apr_strtoff(&n, cl, NULL, 10) == APR_SUCCESS && n > limit)
        return body_too_large(r, what, limit);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!eos) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, 8192);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, "AMX00023: reading the %s failed", what);
            apr_brigade_cleanup(bb);
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                /* A body with a hole in it would parse as a different request. */
                ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                              "AMX00023: reading the %s failed", what);
                apr_brigade_cleanup(bb);
                return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            }
            total += (apr_off_t)len;
            if (total > limit) {
                apr_brigade_cleanup(bb);
                return body_too_large(r, what, limit);
            }
            fn(ctx, data, len);
        }
        apr_brigade_cleanup(bb);
    }
    return OK;
}

/* The body as it comes, appended to the brigade's last heap bucket while
 * that has room (apr_brigade_write), and flattened once at the end: memory
 * linear in the body however small the pieces it arrives in. */
static void collect(void *ctx, const char *data, apr_size_t len)
{
    apr_brigade_write(ctx, NULL, NULL, data, len);
}

int amx_http_read_all(request_rec *r, apr_off_t limit, const char *what, char **body,
                      apr_size_t *len)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    int rv = amx_http_read_body(r, limit, what, collect, bb);
    if (rv == OK && apr_brigade_pflatten(bb, body, len, r->pool) != APR_SUCCESS)
        rv = HTTP_INTERNAL_SERVER_ERROR;
    apr_brigade_destroy(bb);
    return rv;
}

int amx_http_media_type_is(const char *content_type, const char *type)
{
    size_t n;
    if (content_type == NULL)
        return 0;
    while (*content_type == ' ')
        content_type++;
    n = strcspn(content_type, "; \t");
    return n == strlen(type) && strncasecmp(content_type, type, n) == 0;
}

int amx_http_no_content(request_rec *r)
{
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int amx_http_unavailable(request_rec *r, const amx_dir_conf *conf)
{
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, amx_conf_retry_after(conf)));
    return HTTP_SERVICE_UNAVAILABLE;
}

int amx_http_status(request_rec *r, const amx_dir_conf *conf, int status)
{
    if (status == HTTP_NO_CONTENT)
        return amx_http_no_content(r);
    if (status == HTTP_SERVICE_UNAVAILABLE)
        return amx_http_unavailable(r, conf);
    return status;
}

int amx_http_data_error(request_rec *r, const amx_data_error *err)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "AMX00013: data error in table %s, row id %ld: column %s "
                  "has the unusable value \"%s\"", err->table, err->id,
                  err->column, err->value ? err->value : "(NULL)");
    return HTTP_BAD_REQUEST;
}

static int unwritable(const char *s)
{
    return amx_xml_unwritable(s) >= 0;
}

void amx_http_log_unwritable(request_rec *r, const amx_domain_data *d)
{
    amx_data_error err;

    /* httpd escapes the control characters in the line itself. */
    if (amx_domain_find(d, unwritable, &err))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "AMX01302: table %s, row id %ld: column %s holds characters XML "
                      "cannot carry (control characters or bytes that are not UTF-8), "
                      "written as U+FFFD: \"%s\"", err.table, err.id, err.column, err.value);
}

int amx_http_unwritable(const amx_domain_data *d)
{
    amx_data_error err;
    return amx_domain_find(d, unwritable, &err);
}

static int has_marker(const char *s)
{
    return amx_tpl_has_marker(s);
}

int amx_http_templatable(const amx_domain_data *d)
{
    amx_data_error err;
    return !amx_domain_find(d, has_marker, &err);
}

const char *amx_http_kept(request_rec *r, const amx_domain_data *d, int kind, amx_tpl *t)
{
    apr_size_t len;
    const char *kept = amx_store_kept(r, d, (amx_kept_kind)kind, &len);

    if (kept == NULL || amx_tpl_unpack(kept, len, t) != 0)
        return NULL;
    /* The flag covers what the domains sharing the template have in
     * common; the domain's own name is looked at here. */
    if ((t->flags & AMX_HTTP_TPL_UNWRITABLE) || amx_xml_unwritable(d->name) >= 0)
        amx_http_log_unwritable(r, d);
    return kept;
}

const char *amx_http_keep(request_rec *r, const amx_domain_data *d, int kind,
                          const char *const *strings, int n, const char *tpl,
                          apr_size_t tpl_len, amx_tpl *t)
{
    apr_size_t len;
    unsigned flags = amx_http_unwritable(d) ? AMX_HTTP_TPL_UNWRITABLE : 0;
    const char *kept = amx_tpl_pack(r->pool, flags, strings, n, tpl, tpl_len, &len);

    if (kept == NULL || amx_tpl_unpack(kept, len, t) != 0)
        return NULL;
    amx_store_keep(r, d, (amx_kept_kind)kind, kept, len);
    return kept;
}

int amx_http_send_template(request_rec *r, const amx_tpl *t, const amx_address *addr,
                           const amx_tpl_str *slots, int nslots)
{
    amx_tpl_str parts[3];
    const char *body;
    apr_size_t body_len;
    amx_http_out out;

    parts[0].data = amx_xml_text(r->pool, addr->address, &parts[0].len);
    parts[1].data = amx_xml_text(r->pool, addr->local, &parts[1].len);
    parts[2].data = amx_xml_text(r->pool, addr->domain, &parts[2].len);
    if (parts[0].data == NULL || parts[1].data == NULL || parts[2].data == NULL
        || (body = amx_tpl_fill(r->pool, t, parts, slots, nslots, &body_len)) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX02100: could not complete the reply from its template");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Known now: the reply goes out in the worker (amx_http_out_finish). */
    ap_set_content_length(r, (apr_off_t)body_len);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    amx_http_out_write(&out, body, (int)body_len);
    return amx_http_out_finish(&out);
}
