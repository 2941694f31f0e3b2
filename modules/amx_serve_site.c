/* GET /: a page for the administrator who points a browser at the host. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "amx_serve.h"
#include "amx_http.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

static const char page_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>mod_automx</title>\n</head>\n<body>\n"
    "<h1>mod_automx</h1>\n";

static const char page_tail[] = "</body>\n</html>\n";

int amx_serve_site(request_rec *r, const amx_dir_conf *conf)
{
    const char *domain, *error, *initdb;
    amx_http_out out;
    int rv;

    rv = amx_store_first_domain(r, &domain, &error);
    if (rv != OK && error == NULL)
        return amx_http_unavailable(r, conf); /* no connection at all */

    ap_set_content_type(r, "text/html; charset=utf-8");
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    ap_fputs(r->output_filters, out.bb, page_head);
    initdb = ap_escape_html(r->pool, amx_conf_initdb_url(conf));
    if (rv != OK) {
        /* Most often the tables have not been created yet. What the
         * database said (table names, its version, sometimes a host)
         * goes to the error log only: anyone can load this page. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00060: the automx tables cannot be read: %s", error);
        ap_fprintf(r->output_filters, out.bb,
                   "<p>The database has no automx tables yet, or they cannot be "
                   "read (the error log says why: AMX00060).</p>\n"
                   "<p>Create them and load sample data with "
                   "<a href=\"%s\">automx-initdb</a>, or load <code>sql/</code> "
                   "with your database's client.</p>\n", initdb);
    }
    else if (domain == NULL) {
        ap_fprintf(r->output_filters, out.bb,
                   "<p>The database holds no domains yet. Provision them through "
                   "<a href=\"%s\">automx-initdb</a> or with SQL.</p>\n", initdb);
    }
    else {
        const char *addr = apr_pstrcat(r->pool, "user@", domain, NULL);
        ap_fprintf(r->output_filters, out.bb,
                   "<p>Mail client configuration is served here. Try the "
                   "<a href=\"/mail/config-v1.1.xml?emailaddress=%s\">Autoconfig "
                   "reply for %s</a>.</p>\n",
                   ap_escape_uri(r->pool, ap_escape_html(r->pool, addr)),
                   ap_escape_html(r->pool, addr));
    }
    ap_fputs(r->output_filters, out.bb, page_tail);
    return amx_http_out_finish(&out);
}
