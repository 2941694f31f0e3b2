/*
 * Request and reply plumbing shared by the protocol endpoints.
 */
#ifndef AMX_HTTP_H
#define AMX_HTTP_H

#include "httpd.h"
#include "apr_buckets.h"

#include "amx_config.h"
#include "amx_address.h"
#include "amx_model.h"
#include "amx_template.h"

/* A reply body on its way into the output filters. */
typedef struct {
    request_rec *r;
    apr_bucket_brigade *bb;
    int failed;   /* the client went away or a filter failed */
    int finished; /* EOS sent: later writes are refused */
} amx_http_out;

void amx_http_out_init(amx_http_out *out, request_rec *r);

/* amx_xml_write_fn into OUT. */
int amx_http_out_write(void *out, const char *buf, int len);

/* Sends EOS. Returns OK, or the status to log when the reply broke. */
int amx_http_out_finish(amx_http_out *out);

/* Reads query parameter NAME as a mail address. Returns OK with *ADDR set,
 * OK with *ADDR NULL when OPTIONAL and the parameter is absent or empty,
 * else HTTP_BAD_REQUEST after logging why. */
int amx_http_query_address(request_rec *r, const char *name, int optional,
                           amx_address **addr);

/* Takes LEN more bytes of a request body. */
typedef void (*amx_http_body_fn)(void *ctx, const char *data, apr_size_t len);

/* Reads the request body (chunked or not) into FN, as server/util_xml.c
 * does, refusing it with 413 as soon as it passes LIMIT bytes, a declared
 * Content-Length included, before FN sees a byte beyond. WHAT names the
 * body in the log. Returns OK or the status to answer (logged). */
int amx_http_read_body(request_rec *r, apr_off_t limit, const char *what,
                       amx_http_body_fn fn, void *ctx);

/* The whole body into *BODY (*LEN octets, not terminated), as
 * amx_http_read_body reads it. Returns OK or the status to answer. */
int amx_http_read_all(request_rec *r, apr_off_t limit, const char *what, char **body,
                      apr_size_t *len);

/* 1 when CONTENT_TYPE (a header, parameters and all; may be NULL) is the
 * media type TYPE, compared case-insensitively. */
int amx_http_media_type_is(const char *content_type, const char *type);

/* An empty 204 reply (unknown domain). */
int amx_http_no_content(request_rec *r);

/* 503 with Retry-After, for a database or directory that is down. The
 * cause has been logged by the caller. */
int amx_http_unavailable(request_rec *r, const amx_dir_conf *conf);

/* The reply for a lookup that did not give OK: 204 without a body, 503
 * with Retry-After, anything else as it is. */
int amx_http_status(request_rec *r, const amx_dir_conf *conf, int status);

/* Logs the first value of D that the reply must write altered, because
 * XML cannot carry it as it is (a C0 control, bytes that are not UTF-8):
 * the row it came from is known here, not in the writer. */
void amx_http_log_unwritable(request_rec *r, const amx_domain_data *d);

/* 1 when amx_http_log_unwritable() would log. */
int amx_http_unwritable(const amx_domain_data *d);

/* Flags of a kept template. */
#define AMX_HTTP_TPL_UNWRITABLE 1   /* D holds a string XML cannot carry */

/* The template of KIND (an amx_kept_kind) kept for D, into *T; NULL when
 * there is none. It logs as amx_http_log_unwritable() would, in its place. */
const char *amx_http_kept(request_rec *r, const amx_domain_data *d, int kind, amx_tpl *t);

/* Keeps template TPL with N STRINGS for D (when D is from the cache) and
 * gives it back in *T; NULL on failure. Logs nothing. */
const char *amx_http_keep(request_rec *r, const amx_domain_data *d, int kind,
                          const char *const *strings, int n, const char *tpl,
                          apr_size_t tpl_len, amx_tpl *t);

/* 1 when no string of D holds a template's marker, so that a reply for D
 * can be written as a template (amx_template.h). */
int amx_http_templatable(const amx_domain_data *d);

/* Sends the reply template T makes for ADDR, with SLOTS[0..NSLOTS) for
 * its slots (already as the reply writes them). Returns OK or the status
 * to answer (logged). */
int amx_http_send_template(request_rec *r, const amx_tpl *t, const amx_address *addr,
                           const amx_tpl_str *slots, int nslots);

/* 400 for a database value no reply can be made from; logs the row. */
int amx_http_data_error(request_rec *r, const amx_data_error *err);

#endif
