/*
 * mod_automx: tells mail clients how to set up an account.
 *
 * This file registers the module: its directives, its start-up checks and
 * the handlers that route a request to one of the protocol units in
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
#include "amx_autoconfig.h"
#include "amx_http.h"
#include "amx_ldap.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* ---- configuration ------------------------------------------------------ */

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    amx_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    c->mobileconfig_passwords = -1;
    c->ldap_nomatch_status = 0;
    c->request_body_max = 0;
    c->initdb_url = NULL;
    c->retry_after = 0;
    c->cache_ttl = -1;
    return c;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const amx_dir_conf *base = basev, *add = addv;
    amx_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    c->mobileconfig_passwords = add->mobileconfig_passwords != -1
        ? add->mobileconfig_passwords : base->mobileconfig_passwords;
    c->ldap_nomatch_status = add->ldap_nomatch_status
        ? add->ldap_nomatch_status : base->ldap_nomatch_status;
    c->request_body_max = add->request_body_max
        ? add->request_body_max : base->request_body_max;
    c->initdb_url = add->initdb_url ? add->initdb_url : base->initdb_url;
    c->retry_after = add->retry_after ? add->retry_after : base->retry_after;
    c->cache_ttl = add->cache_ttl != -1 ? add->cache_ttl : base->cache_ttl;
    c->sign_set = add->sign_set || base->sign_set;
    c->signer = add->sign_set ? add->signer : base->signer;
    c->public_host = add->public_host ? add->public_host : base->public_host;
    c->site_title = add->site_title ? add->site_title : base->site_title;
    c->site_logo = add->site_logo ? add->site_logo : base->site_logo;
    c->site_support = add->site_support ? add->site_support : base->site_support;
    c->site_template = add->site_template ? add->site_template : base->site_template;
    return c;
}

int amx_conf_mobileconfig_passwords(const amx_dir_conf *c)
{
    return c->mobileconfig_passwords == 1;
}

int amx_conf_ldap_nomatch_status(const amx_dir_conf *c)
{
    return c->ldap_nomatch_status ? c->ldap_nomatch_status : HTTP_OK;
}

apr_off_t amx_conf_request_body_max(const amx_dir_conf *c)
{
    return c->request_body_max ? c->request_body_max : AMX_DEFAULT_REQUEST_BODY_MAX;
}

const char *amx_conf_initdb_url(const amx_dir_conf *c)
{
    return c->initdb_url ? c->initdb_url : AMX_DEFAULT_INITDB_URL;
}

int amx_conf_retry_after(const amx_dir_conf *c)
{
    return c->retry_after ? c->retry_after : AMX_DEFAULT_RETRY_AFTER;
}

int amx_conf_cache_ttl(const amx_dir_conf *c)
{
    return c->cache_ttl > 0 ? c->cache_ttl : 0;
}

const char *amx_conf_public_host(const amx_dir_conf *c, const server_rec *s)
{
    return c->public_host ? c->public_host : s->server_hostname;
}

/* ---- the self-service page and the DNS records -------------------------- */

static const char *set_public_host(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    size_t n = strlen(arg);
    const char *name = n && arg[n - 1] == '.' ? apr_pstrndup(cmd->pool, arg, n - 1) : arg;
    if (!amx_ac_hostname_valid(name) || *name == '\0')
        return apr_psprintf(cmd->pool, "%s: '%s' is not an ASCII host name", cmd->cmd->name, arg);
    c->public_host = name;
    return NULL;
}

static const char *set_site_title(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    const char *s;
    for (s = arg; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            break;
    }
    if (*s || !*arg || !amx_utf8_valid(arg, strlen(arg)))
        return apr_psprintf(cmd->pool, "%s: the title must be printable UTF-8", cmd->cmd->name);
    c->site_title = arg;
    return NULL;
}

/* A link the page may carry: a path on this site or an absolute URL of a
 * scheme that cannot run script. */
static const char *site_url(cmd_parms *cmd, const char *arg, int mailto, const char **out)
{
    if (arg[0] == '/' || strncasecmp(arg, "https://", 8) == 0
        || strncasecmp(arg, "http://", 7) == 0 || (mailto && strncasecmp(arg, "mailto:", 7) == 0)) {
        *out = arg;
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is neither a path nor an http(s)%s URL",
                        cmd->cmd->name, arg, mailto ? " or mailto:" : "");
}

static const char *set_site_logo(cmd_parms *cmd, void *dconf, const char *arg)
{
    return site_url(cmd, arg, 0, &((amx_dir_conf *)dconf)->site_logo);
}

static const char *set_site_support(cmd_parms *cmd, void *dconf, const char *arg)
{
    return site_url(cmd, arg, 1, &((amx_dir_conf *)dconf)->site_support);
}

#define SITE_TEMPLATE_MAX (1024 * 1024)

/* Read and parsed now, so that a missing file or a bad placeholder fails
 * the configuration test, not the first visitor. */
static const char *set_site_template(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    const char *file = ap_server_root_relative(cmd->pool, arg), *why;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len;
    apr_status_t rv;
    char *text, err[256];

    if (file == NULL)
        return apr_psprintf(cmd->pool, "%s: invalid file name '%s'", cmd->cmd->name, arg);
    rv = apr_file_open(&f, file, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && fi.size > SITE_TEMPLATE_MAX)
        return apr_psprintf(cmd->pool, "%s: %s is larger than %d bytes", cmd->cmd->name, file,
                            SITE_TEMPLATE_MAX);
    if (rv == APR_SUCCESS) {
        len = (apr_size_t)fi.size;
        text = apr_palloc(cmd->temp_pool, len + 1);
        rv = apr_file_read_full(f, text, len, &len);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read %s: %s", cmd->cmd->name, file,
                            apr_strerror(rv, err, sizeof(err)));
    if ((why = amx_site_template_parse(cmd->pool, text, len, &c->site_template)) != NULL)
        return apr_psprintf(cmd->pool, "%s: %s: %s", cmd->cmd->name, file, why);
    return NULL;
}

static const char *set_ldap_nomatch(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    if (strcmp(arg, "200") == 0 || strcasecmp(arg, "database") == 0)
        c->ldap_nomatch_status = HTTP_OK;
    else if (strcmp(arg, "204") == 0)
        c->ldap_nomatch_status = HTTP_NO_CONTENT;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is neither 'database' (or 200) nor 204",
                            cmd->cmd->name, arg);
    return NULL;
}

static const char *set_body_limit(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    apr_off_t n;
    /* An Autodiscover request is well under 1 KiB. The cap keeps libxml2's
     * per-element attribute checks, which grow with the square of the
     * attribute count, to a few milliseconds of CPU per request. */
    if (apr_strtoff(&n, arg, NULL, 10) != APR_SUCCESS || n < 1 || n > AMX_BODY_LIMIT_MAX)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a byte count from 1 to %d",
                            cmd->cmd->name, arg, AMX_BODY_LIMIT_MAX);
    c->request_body_max = n;
    return NULL;
}

static const char *set_initdb_url(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    if (arg[0] != '/' && ap_strstr_c(arg, "://") == NULL)
        return apr_psprintf(cmd->pool, "%s: '%s' is neither a path nor an absolute URL",
                            cmd->cmd->name, arg);
    c->initdb_url = arg;
    return NULL;
}

static const char *set_retry_after(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    int n = atoi(arg);
    if (n < 1 || n > 86400 || strspn(arg, "0123456789") != strlen(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds from 1 to 86400",
                            cmd->cmd->name, arg);
    c->retry_after = n;
    return NULL;
}

static const char *set_cache_ttl(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    int n = atoi(arg);
    if (strcasecmp(arg, "off") == 0)
        n = 0;
    else if (n < 1 || n > 86400 || strspn(arg, "0123456789") != strlen(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is neither Off nor a number of seconds "
                            "from 1 to 86400", cmd->cmd->name, arg);
    c->cache_ttl = n;
    return NULL;
}

/* Signing certificates read from the configuration, so that post_config can
 * warn about those that expire soon once the error log is open. */
typedef struct {
    amx_signer *signer;
    const char *file;
    server_rec *server;
} configured_signer;
static apr_array_header_t *configured_signers;

static const char *set_sign(cmd_parms *cmd, void *dconf, const char *cert,
                            const char *key, const char *chain)
{
    amx_dir_conf *c = dconf;
    const char *err;

    c->sign_set = 1;
    if (strcasecmp(cert, "Off") == 0 && key == NULL) {
        c->signer = NULL;
        return NULL;
    }
    if (key == NULL)
        return apr_psprintf(cmd->pool, "%s: give the certificate and the private key "
                            "(and optionally the chain), or Off", cmd->cmd->name);
    /* Read now, as root and before httpd drops privileges. */
    cert = ap_server_root_relative(cmd->pool, cert);
    key = ap_server_root_relative(cmd->pool, key);
    if (chain)
        chain = ap_server_root_relative(cmd->pool, chain);
    err = amx_signer_load(cmd->pool, cert, key, chain, &c->signer);
    if (err)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    if (configured_signers) {
        configured_signer *cs = apr_array_push(configured_signers);
        cs->signer = c->signer;
        cs->file = cert;
        cs->server = cmd->server;
    }
    return NULL;
}

static int cache_entries = 10000;

static const char *set_cache_entries(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    int n = atoi(arg);
    if (err)
        return err;
    if (n < 1 || n > 10000000 || strspn(arg, "0123456789") != strlen(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from 1 to 10000000",
                            cmd->cmd->name, arg);
    cache_entries = n;
    return NULL;
}

static const command_rec automx_cmds[] = {
    AP_INIT_FLAG("AutomxMobileconfigPasswords", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(amx_dir_conf, mobileconfig_passwords), OR_OPTIONS,
                 "On: put a password given in the request into Apple profiles (default Off)"),
    AP_INIT_TAKE1("AutomxLDAPNoMatch", set_ldap_nomatch, NULL, OR_OPTIONS,
                  "What an address the directory does not know gets: 'database' "
                  "(the database values, default) or 204 (an empty reply)"),
    AP_INIT_TAKE1("AutomxRequestBodyLimit", set_body_limit, NULL, OR_OPTIONS,
                  "Largest Autodiscover request body in bytes (default 16384, at most 65536; "
                  "LimitXMLRequestBody applies too)"),
    AP_INIT_TAKE1("AutomxInitdbURL", set_initdb_url, NULL, OR_OPTIONS,
                  "Where the site root points administrators to automx-initdb (default /initdb/)"),
    AP_INIT_TAKE1("AutomxRetryAfter", set_retry_after, NULL, OR_OPTIONS,
                  "Seconds in the Retry-After header of a 503 reply (default 30)"),
    AP_INIT_TAKE123("AutomxMobileconfigSign", set_sign, NULL, RSRC_CONF | ACCESS_CONF,
                    "CERT KEY [CHAIN]: sign Apple profiles (PEM files, read at start-up); "
                    "or Off"),
    AP_INIT_TAKE1("AutomxCacheTTL", set_cache_ttl, NULL, RSRC_CONF | ACCESS_CONF,
                  "Seconds domain data may be served from memory (default Off: "
                  "every request asks the database)"),
    AP_INIT_TAKE1("AutomxPublicHost", set_public_host, NULL, RSRC_CONF | ACCESS_CONF,
                  "The host name the DNS records point clients to (default: the ServerName)"),
    AP_INIT_TAKE1("AutomxSiteTitle", set_site_title, NULL, OR_OPTIONS,
                  "Title of the self-service page (default 'Mail settings')"),
    AP_INIT_TAKE1("AutomxSiteLogo", set_site_logo, NULL, OR_OPTIONS,
                  "URL of a logo shown on the self-service page"),
    AP_INIT_TAKE1("AutomxSiteSupport", set_site_support, NULL, OR_OPTIONS,
                  "URL (http, https or mailto) of the support link on the self-service page"),
    AP_INIT_TAKE1("AutomxSiteTemplate", set_site_template, NULL, RSRC_CONF | ACCESS_CONF,
                  "HTML file replacing the self-service page's template (read at start-up)"),
    AP_INIT_TAKE1("AutomxCacheEntries", set_cache_entries, NULL, RSRC_CONF,
                  "Domains each httpd process keeps in memory at most (default 10000)"),
    { NULL }
};

/* ---- routing ------------------------------------------------------------ */

#define METHOD(m) (AP_METHOD_BIT << (m))

typedef struct {
    const char *path;      /* NULL: any path (single-protocol handlers) */
    int nocase;            /* Outlook varies the case of its paths */
    int subpaths;          /* also PATH/anything */
    apr_int64_t methods;
    amx_serve_fn serve;
} amx_route;

/* Everything handler "automx" answers. automx-initdb is deliberately not
 * here: writing must be mapped on purpose. */
static const amx_route site_routes[] = {
    { "/", 0, 0, METHOD(M_GET), amx_serve_site },
    { "/mail/config-v1.1.xml", 0, 0, METHOD(M_GET), amx_serve_autoconfig },
    { "/.well-known/autoconfig/mail/config-v1.1.xml", 0, 0, METHOD(M_GET), amx_serve_autoconfig },
    { "/autodiscover/autodiscover.xml", 1, 0, METHOD(M_POST), amx_serve_autodiscover_xml },
    { "/autodiscover/autodiscover.json", 1, 1, METHOD(M_GET), amx_serve_autodiscover_json },
    { "/mobileconfig", 0, 0, METHOD(M_GET), amx_serve_mobileconfig },
    { "/mobileconfig/", 0, 0, METHOD(M_GET), amx_serve_mobileconfig },
    { "/.well-known/user-agent-configuration.json", 0, 0, METHOD(M_GET), amx_serve_pacc },
    { NULL }
};

static const amx_route autoconfig_route = { NULL, 0, 0, METHOD(M_GET), amx_serve_autoconfig };
static const amx_route mobileconfig_route = { NULL, 0, 0, METHOD(M_GET), amx_serve_mobileconfig };
static const amx_route initdb_route = {
    NULL, 0, 0, METHOD(M_GET) | METHOD(M_POST) | METHOD(M_DELETE), amx_serve_initdb
};

/* automx-autodiscover at any Location: POST is the XML protocol, GET the
 * JSON pre-flight. */
static int serve_autodiscover_any(request_rec *r, const amx_dir_conf *conf)
{
    return r->method_number == M_POST ? amx_serve_autodiscover_xml(r, conf)
                                      : amx_serve_autodiscover_json(r, conf);
}
static const amx_route autodiscover_route = {
    NULL, 0, 0, METHOD(M_GET) | METHOD(M_POST), serve_autodiscover_any
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
    const amx_dir_conf *conf = ap_get_module_config(r->per_dir_config, &automx_module);

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
    configured_signers = apr_array_make(pconf, 2, sizeof(configured_signer));
    return OK;
}

/* An expired or soon expiring signing certificate is worth a warning, not a
 * refusal to start: the other virtual hosts must keep working. */
static void check_signers(apr_pool_t *ptemp)
{
    int i;
    for (i = 0; configured_signers && i < configured_signers->nelts; i++) {
        configured_signer *cs = &APR_ARRAY_IDX(configured_signers, i, configured_signer);
        long long left = amx_signer_seconds_left(cs->signer, apr_time_now());
        if (left <= 0)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cs->server,
                         "AMX00006: the Mobileconfig signing certificate %s (%s) has "
                         "expired: devices will show the profile as not verified",
                         cs->file, amx_signer_subject(ptemp, cs->signer));
        else if (left < 30LL * 86400)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cs->server,
                         "AMX00007: the Mobileconfig signing certificate %s (%s) "
                         "expires in %lld days", cs->file,
                         amx_signer_subject(ptemp, cs->signer), left / 86400);
    }
}

static int automx_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm;

    /* httpd reads its configuration twice at start-up; on the first pass
     * warnings reach only the console, so they wait for the second. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        check_signers(ptemp);
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
    apr_status_t rv = amx_store_child_init(pchild, cache_generation, cache_entries);
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
}

module AP_MODULE_DECLARE_DATA automx_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    NULL,
    NULL,
    automx_cmds,
    automx_register_hooks
};
