/*
 * mod_automx: tells mail clients how to set up an account.
 *
 * This file registers the module: its hooks, its start-up checks and the
 * handlers that route a request to one of the protocol units in
 * modules/. The protocol logic itself lives there.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include <libxml/parser.h>

#include "mod_automx.h"
#include "amx_config.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_metrics.h"
#include "amx_store.h"
#include "amx_walk.h"

APLOG_USE_MODULE(automx);

/* ---- routing ------------------------------------------------------------ */

#define METHOD(m) (AP_METHOD_BIT << (m))

typedef struct {
    const char *path;      /* NULL: any path (single-protocol handlers) */
    int nocase;            /* Outlook varies the case of its paths */
    int subpaths;          /* also PATH/anything */
    apr_int64_t methods;
    amx_serve_fn serve;
    amx_endpoint endpoint; /* what the counters file it under */
} amx_route;

/* Everything handler "automx" answers. automx-initdb is deliberately not
 * here: writing must be mapped on purpose. */
static const amx_route site_routes[] = {
    { "/", 0, 0, METHOD(M_GET), amx_serve_site, AMX_EP_SITE },
    { "/mail/config-v1.1.xml", 0, 0, METHOD(M_GET), amx_serve_autoconfig, AMX_EP_AUTOCONFIG },
    { "/.well-known/autoconfig/mail/config-v1.1.xml", 0, 0, METHOD(M_GET), amx_serve_autoconfig, AMX_EP_AUTOCONFIG },
    { "/autodiscover/autodiscover.xml", 1, 0, METHOD(M_POST), amx_serve_autodiscover_xml, AMX_EP_AUTODISCOVER_XML },
    { "/autodiscover/autodiscover.json", 1, 1, METHOD(M_GET), amx_serve_autodiscover_json, AMX_EP_AUTODISCOVER_JSON },
    { "/mobileconfig", 0, 0, METHOD(M_GET), amx_serve_mobileconfig, AMX_EP_MOBILECONFIG },
    { "/mobileconfig/", 0, 0, METHOD(M_GET), amx_serve_mobileconfig, AMX_EP_MOBILECONFIG },
    { "/.well-known/user-agent-configuration.json", 0, 0, METHOD(M_GET), amx_serve_pacc, AMX_EP_PACC },
    { NULL }
};

static const amx_route autoconfig_route = { NULL, 0, 0, METHOD(M_GET), amx_serve_autoconfig, AMX_EP_AUTOCONFIG };
static const amx_route mobileconfig_route = { NULL, 0, 0, METHOD(M_GET), amx_serve_mobileconfig, AMX_EP_MOBILECONFIG };
static const amx_route initdb_route = {
    NULL, 0, 0, METHOD(M_GET) | METHOD(M_POST) | METHOD(M_DELETE), amx_serve_initdb, AMX_EP_INITDB
};

/* automx-api answers its own 405s, per resource, as problem documents. */
static const amx_route api_route = {
    NULL, 0, 0, METHOD(M_GET) | METHOD(M_POST) | METHOD(M_PUT) | METHOD(M_PATCH)
        | METHOD(M_DELETE), amx_serve_api, AMX_EP_NONE
};

/* automx-autodiscover at any Location: POST is the XML protocol, GET the
 * JSON pre-flight. */
static int serve_autodiscover_any(request_rec *r, const amx_dir_conf *conf)
{
    return r->method_number == M_POST ? amx_serve_autodiscover_xml(r, conf)
                                      : amx_serve_autodiscover_json(r, conf);
}
static const amx_route autodiscover_route = {
    NULL, 0, 0, METHOD(M_GET) | METHOD(M_POST), serve_autodiscover_any, AMX_EP_AUTODISCOVER_XML
};

static int path_matches(const amx_route *rt, const char *uri)
{
    size_t n = strlen(rt->path);
    int same = rt->nocase ? strncasecmp(uri, rt->path, n) == 0
                          : strncmp(uri, rt->path, n) == 0;
    if (!same)
        return 0;
    return uri[n] == '\0' || (rt->subpaths && uri[n] == '/');
}

static const amx_route *find_route(const char *uri)
{
    const amx_route *rt;
    for (rt = site_routes; rt->path; rt++) {
        if (path_matches(rt, uri))
            return rt;
    }
    return NULL;
}

static const char *allow_header(request_rec *r, apr_int64_t methods)
{
    const char *allow = "OPTIONS";
    if (methods & METHOD(M_PATCH))
        allow = apr_pstrcat(r->pool, "PATCH, ", allow, NULL);
    if (methods & METHOD(M_PUT))
        allow = apr_pstrcat(r->pool, "PUT, ", allow, NULL);
    if (methods & METHOD(M_DELETE))
        allow = apr_pstrcat(r->pool, "DELETE, ", allow, NULL);
    if (methods & METHOD(M_POST))
        allow = apr_pstrcat(r->pool, "POST, ", allow, NULL);
    if (methods & METHOD(M_GET))
        allow = apr_pstrcat(r->pool, "GET, HEAD, ", allow, NULL);
    return allow;
}

static int serve_route(request_rec *r, const amx_route *rt)
{
    const amx_dir_conf *conf = amx_config_of(r);

    /* automx-autodiscover answers both: POST is XML, GET the JSON one. */
    amx_metrics_route(r, rt->serve == serve_autodiscover_any && r->method_number != M_POST
                             ? AMX_EP_AUTODISCOVER_JSON : rt->endpoint);
    /* httpd builds the Allow header of a 405 from these. */
    r->allowed = rt->methods | METHOD(M_OPTIONS);
    r->allowed_methods->method_mask |= r->allowed;
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", allow_header(r, rt->methods));
        ap_set_content_length(r, 0);
        return OK;
    }
    if (!(rt->methods & METHOD(r->method_number))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00002: method %s not allowed for %s", r->method, r->uri);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return rt->serve(r, conf);
}

static int automx_handler(request_rec *r)
{
    const amx_route *rt;

    if (r->handler == NULL || strncmp(r->handler, "automx", 6) != 0)
        return DECLINED;
    if (strcmp(r->handler, "automx") == 0) {
        rt = find_route(r->uri);
        if (rt == NULL) {
            amx_metrics_route(r, AMX_EP_NONE);
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "AMX00003: no automx endpoint at %s", r->uri);
            return HTTP_NOT_FOUND;
        }
    }
    else if (strcmp(r->handler, "automx-autoconfig") == 0)
        rt = &autoconfig_route;
    else if (strcmp(r->handler, "automx-autodiscover") == 0)
        rt = &autodiscover_route;
    else if (strcmp(r->handler, "automx-mobileconfig") == 0)
        rt = &mobileconfig_route;
    else if (strcmp(r->handler, "automx-initdb") == 0)
        rt = &initdb_route;
    else if (strcmp(r->handler, "automx-api") == 0)
        rt = &api_route;
    else
        return DECLINED;
    return serve_route(r, rt);
}

/* ---- start-up ----------------------------------------------------------- */

/* The main configuration file: what -f named, else the compiled default. */
static const char *main_config_file(apr_pool_t *p, const process_rec *proc)
{
    int i;
    for (i = 1; i < proc->argc; i++) {
        if (strcmp(proc->argv[i], "-f") == 0 && i + 1 < proc->argc)
            return ap_server_root_relative(p, proc->argv[i + 1]);
        if (strncmp(proc->argv[i], "-f", 2) == 0 && proc->argv[i][2])
            return ap_server_root_relative(p, proc->argv[i] + 2);
    }
    return ap_server_root_relative(p, SERVER_CONFIG_FILE);
}

/* Runs for `apachectl -t` too, so a missing mod_dbd fails the config test. */
static int automx_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    if (amx_store_retrieve() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "AMX00001: mod_automx needs mod_dbd, which is not loaded: "
                     "add 'LoadModule dbd_module .../mod_dbd.so' before "
                     "'LoadModule automx_module' in the configuration read from %s "
                     "(Debian: a2enmod dbd)", main_config_file(ptemp, s->process));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    amx_ldap_retrieve(); /* optional: only domains with an LDAP server need it */
    return OK;
}

/* The cache generation lives in shared memory made before the children are
 * forked, so that a write in one process invalidates every process. */
static volatile apr_uint32_t *cache_generation;

static int automx_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    amx_config_pre_config(pconf);
    return OK;
}

static int automx_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm;

    /* httpd reads its configuration twice at start-up; on the first pass
     * warnings reach only the console, so they wait for the second. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        amx_config_check_signers(ptemp);
        amx_walk_check_sections(ptemp, s);
    }
    /* libxml2 builds its process-wide tables (encodings, dictionary lock)
     * on first use; done here, before any worker thread exists, no two
     * requests race to build them. */
    xmlInitParser();
    apr_status_t rv = apr_shm_create(&shm, sizeof(apr_uint32_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "AMX00004: cannot create the shared cache generation counter");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cache_generation = apr_shm_baseaddr_get(shm);
    *cache_generation = 0;
    return OK;
}

static void automx_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv = amx_store_child_init(pchild, s, cache_generation,
                                           amx_config_cache_entries());
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     "AMX00005: cannot create the domain cache; serving without it");
}

static void automx_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(automx_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(automx_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(automx_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(automx_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(automx_handler, NULL, NULL, APR_HOOK_MIDDLE);
    amx_walk_register_hooks(p);
    amx_metrics_register_hooks(p);
}

module AP_MODULE_DECLARE_DATA automx_module = {
    STANDARD20_MODULE_STUFF,
    amx_config_create_dir,
    amx_config_merge_dir,
    NULL,
    NULL,
    amx_config_cmds,
    automx_register_hooks
};
