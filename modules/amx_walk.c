/*
 * Skipping httpd's directory walk for the public endpoints.
 *
 * httpd maps every URL to a file before it runs a handler: for each level
 * of DocumentRoot plus the path it merges the <Directory> sections, may
 * stat the level and opens the .htaccess files AllowOverride permits.
 * mod_automx's replies come from the database, never from those files,
 * and the walk cost as much as building a cached reply. So a request
 * whose handler, as <Location> and the virtual host set it, is one of the
 * read-only endpoints is not mapped (as mod_proxy does for proxied URLs);
 * <Location> sections still apply, they are walked again after this.
 * automx-initdb and automx-api keep the walk: they write, and an
 * administrator may protect them in any kind of section.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_expr.h"
#include "apr_strings.h"

#include "amx_config.h"
#include "amx_request.h"
#include "amx_walk.h"

APLOG_USE_MODULE(automx);

static int is_public_handler(const char *h)
{
    if (h == NULL || strncasecmp(h, "automx", 6) != 0)
        return 0;
    h += 6;
    return *h == '\0' || strcasecmp(h, "-autoconfig") == 0 || strcasecmp(h, "-autodiscover") == 0
           || strcasecmp(h, "-mobileconfig") == 0;
}

/* translate_name runs after the first walk of <Location>: the handler
 * SetHandler gives there is known, which map_to_storage, run with the
 * server's defaults, could not see. Declines always: the URL is still
 * translated as before (r->filename for the log and other modules).
 * Subrequests and TRACE (which httpd answers in map_to_storage) are
 * walked as ever. */
static int mark_unmapped(request_rec *r)
{
    core_dir_config *core;
    const char *err = NULL, *handler;

    if (r->main || r->method_number == M_TRACE)
        return DECLINED;
    core = ap_get_core_module_config(r->per_dir_config);
    if (core == NULL || core->expr_handler == NULL
        || amx_conf_directory_walk(amx_config_of(r)))
        return DECLINED;
    handler = ap_expr_str_exec(r, core->expr_handler, &err);
    if (err == NULL && is_public_handler(handler))
        amx_request_note_of(r, &automx_module, 1)->unmapped_uri = apr_pstrdup(r->pool, r->uri);
    return DECLINED;
}

/* OK ends map_to_storage before core's directory walk: for a marked
 * request whose URI no translate_name hook changed (mod_rewrite's [PT]
 * may point it anywhere) and that is not proxied (mod_proxy's own walk of
 * <Proxy> sections comes in this phase too). */
static int skip_walk(request_rec *r)
{
    amx_request_note *n = amx_request_note_of(r, &automx_module, 0);

    if (n == NULL || n->unmapped_uri == NULL || r->proxyreq
        || (r->filename && strncmp(r->filename, "proxy:", 6) == 0)
        || strcmp(n->unmapped_uri, r->uri) != 0)
        return DECLINED;
    n->walk_skipped = 1;
    return OK;
}

/* The last fixup sees the handler that will run. One that is not a
 * read-only endpoint of this module, on a request that was not walked,
 * would run without the <Directory> rules meant for it (a SetHandler
 * expression that reads what changed since, a module that takes the
 * request over in a fixup): it is refused rather than run. */
static int check_unmapped(request_rec *r)
{
    const amx_request_note *n = amx_request_note_of(r, &automx_module, 0);

    if (n == NULL || !n->walk_skipped || (!r->proxyreq && is_public_handler(r->handler)))
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "AMX02201: %s was not mapped to the file system for mod_automx, but its "
                  "handler is now %s: refused; set AutomxDirectoryWalk On for it",
                  r->uri, r->handler ? r->handler : "none");
    return HTTP_INTERNAL_SERVER_ERROR;
}

void amx_walk_register_hooks(apr_pool_t *p)
{
    ap_hook_translate_name(mark_unmapped, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(skip_walk, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(check_unmapped, NULL, NULL, APR_HOOK_REALLY_LAST);
}

/* ---- start-up ----------------------------------------------------------- */

static int walk_on_somewhere(apr_pool_t *p, const ap_directive_t *d)
{
    for (; d; d = d->next) {
        const char *args = d->args;
        if (strcasecmp(d->directive, "AutomxDirectoryWalk") == 0 && args
            && strcasecmp(ap_getword_conf(p, &args), "on") == 0)
            return 1;
        if (d->first_child && walk_on_somewhere(p, d->first_child))
            return 1;
    }
    return 0;
}

static void warn_in_sections(const ap_directive_t *d, const ap_directive_t *section,
                             server_rec *s)
{
    for (; d; d = d->next) {
        if (section && strncasecmp(d->directive, "Automx", 6) == 0)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         "AMX02200: %s in %s %s (%s:%d) does not apply to the Autoconfig, "
                         "Autodiscover and Mobileconfig replies: httpd does not read <Directory>, "
                         "<Files> and .htaccess for them unless AutomxDirectoryWalk On "
                         "(README 3.2); put it in <Location> or the virtual host",
                         d->directive, section->directive, section->args ? section->args : "",
                         d->filename, d->line_num);
        if (d->first_child)
            warn_in_sections(d->first_child, amx_config_is_file_section(d) ? d : section, s);
    }
}

void amx_walk_check_sections(apr_pool_t *ptemp, server_rec *s)
{
    if (!walk_on_somewhere(ptemp, ap_conftree))
        warn_in_sections(ap_conftree, NULL, s);
}
