/*
 * The module's configuration: directives, defaults and merging. Every
 * argument is checked here, in the directive handler, so that a mistake
 * fails `apachectl configtest`.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"

#include "amx_config.h"
#include "amx_metrics.h"
#include "amx_number.h"
#include "amx_address.h"
#include "amx_autoconfig.h"
#include "apr_file_io.h"

APLOG_USE_MODULE(automx);

void *amx_config_create_dir(apr_pool_t *p, char *dir)
{
    amx_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    c->mobileconfig_passwords = -1;
    c->passwords_over_http = -1;
    c->ldap_nomatch_status = 0;
    c->request_body_max = 0;
    c->initdb_url = NULL;
    c->retry_after = 0;
    c->cache = -1;
    c->cache_ttl = -1;
    c->cache_stale_if_error = -1;
    c->directory_walk = -1;
    return c;
}

void *amx_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const amx_dir_conf *base = basev, *add = addv;
    amx_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    c->mobileconfig_passwords = add->mobileconfig_passwords != -1
        ? add->mobileconfig_passwords : base->mobileconfig_passwords;
    c->passwords_over_http = add->passwords_over_http != -1
        ? add->passwords_over_http : base->passwords_over_http;
    c->ldap_nomatch_status = add->ldap_nomatch_status
        ? add->ldap_nomatch_status : base->ldap_nomatch_status;
    c->request_body_max = add->request_body_max
        ? add->request_body_max : base->request_body_max;
    c->initdb_url = add->initdb_url ? add->initdb_url : base->initdb_url;
    c->retry_after = add->retry_after ? add->retry_after : base->retry_after;
    c->cache = add->cache != -1 ? add->cache : base->cache;
    c->cache_check = add->cache_check ? add->cache_check : base->cache_check;
    c->cache_ttl = add->cache_ttl != -1 ? add->cache_ttl : base->cache_ttl;
    c->cache_stale_if_error = add->cache_stale_if_error != -1
        ? add->cache_stale_if_error : base->cache_stale_if_error;
    c->directory_walk = add->directory_walk != -1 ? add->directory_walk : base->directory_walk;
    c->sign_set = add->sign_set || base->sign_set;
    c->signer = add->sign_set ? add->signer : base->signer;
    c->public_host = add->public_host ? add->public_host : base->public_host;
    c->site_title = add->site_title ? add->site_title : base->site_title;
    c->site_logo = add->site_logo ? add->site_logo : base->site_logo;
    c->site_support = add->site_support ? add->site_support : base->site_support;
    c->site_template = add->site_template ? add->site_template : base->site_template;
    return c;
}

const amx_dir_conf *amx_config_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &automx_module);
}

int amx_conf_mobileconfig_passwords(const amx_dir_conf *c)
{
    return c->mobileconfig_passwords == 1;
}

int amx_conf_passwords_over_http(const amx_dir_conf *c)
{
    return c->passwords_over_http == 1;
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

int amx_conf_cache(const amx_dir_conf *c)
{
    return c->cache != 0 && c->cache_ttl != 0;
}

int amx_conf_cache_check(const amx_dir_conf *c)
{
    return c->cache_check ? c->cache_check : AMX_DEFAULT_CACHE_CHECK;
}

int amx_conf_directory_walk(const amx_dir_conf *c)
{
    return c->directory_walk == 1;
}

int amx_conf_cache_ttl(const amx_dir_conf *c)
{
    return c->cache_ttl > 0 ? c->cache_ttl : AMX_DEFAULT_CACHE_TTL;
}

int amx_conf_cache_stale_if_error(const amx_dir_conf *c)
{
    return c->cache_stale_if_error != 0;
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
    apr_int64_t n;
    /* An Autodiscover request is well under 1 KiB. The cap keeps libxml2's
     * per-element attribute checks, which grow with the square of the
     * attribute count, to a few milliseconds of CPU per request. */
    if (amx_number_parse(arg, 1, 1, AMX_BODY_LIMIT_MAX, &n) != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a byte count from 1 to %d "
                            "(a k suffix means 1024)", cmd->cmd->name, arg, AMX_BODY_LIMIT_MAX);
    c->request_body_max = (apr_off_t)n;
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
    apr_int64_t n;
    if (amx_number_parse(arg, 0, 1, 86400, &n) != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds from 1 to 86400",
                            cmd->cmd->name, arg);
    c->retry_after = (int)n;
    return NULL;
}

static const char *set_cache_ttl(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    apr_int64_t n;
    if (strcasecmp(arg, "off") == 0)
        n = 0;
    else if (amx_number_parse(arg, 0, 1, 86400, &n) != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is neither Off nor a number of seconds "
                            "from 1 to 86400", cmd->cmd->name, arg);
    c->cache_ttl = (int)n;
    return NULL;
}

static const char *set_cache(cmd_parms *cmd, void *dconf, int on)
{
    ((amx_dir_conf *)dconf)->cache = on;
    return NULL;
}

static const char *set_cache_stale_if_error(cmd_parms *cmd, void *dconf, int on)
{
    ((amx_dir_conf *)dconf)->cache_stale_if_error = on;
    return NULL;
}

int amx_config_is_file_section(const ap_directive_t *d)
{
    return strncasecmp(d->directive, "<Directory", 10) == 0
           || strncasecmp(d->directive, "<Files", 6) == 0;
}

/* Whether the walk happens is decided before httpd reads <Directory>,
 * <Files> and .htaccess: a setting there could never apply. */
static const char *set_directory_walk(cmd_parms *cmd, void *dconf, int on)
{
    const ap_directive_t *d;
    for (d = cmd->directive ? cmd->directive->parent : NULL; d; d = d->parent) {
        if (amx_config_is_file_section(d))
            return apr_psprintf(cmd->pool, "%s is not allowed in %s>: it decides whether "
                                "httpd reads such sections at all (use <Location> or the "
                                "virtual host)", cmd->cmd->name, d->directive);
    }
    ((amx_dir_conf *)dconf)->directory_walk = on;
    return NULL;
}

static const char *set_cache_check(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_int64_t n;
    if (amx_number_parse(arg, 0, 1, 3600, &n) != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds from 1 to 3600",
                            cmd->cmd->name, arg);
    ((amx_dir_conf *)dconf)->cache_check = (int)n;
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

void amx_config_pre_config(apr_pool_t *pconf)
{
    configured_signers = apr_array_make(pconf, 2, sizeof(configured_signer));
}

static int cache_entries = AMX_DEFAULT_CACHE_ENTRIES;

int amx_config_cache_entries(void)
{
    return cache_entries;
}

static const char *set_cache_entries(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_int64_t n;
    if (err)
        return err;
    if (amx_number_parse(arg, 0, 1, 10000000, &n) != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from 1 to 10000000",
                            cmd->cmd->name, arg);
    cache_entries = (int)n;
    return NULL;
}

/* ---- the self-service page and the DNS records (SPEC sections 9, 13) ---- */

const char *amx_conf_public_host(const amx_dir_conf *c, const server_rec *s)
{
    return c->public_host ? c->public_host : s->server_hostname;
}

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


const command_rec amx_config_cmds[] = {
    /* Not from .htaccess: whoever may write one must not decide that
     * passwords go into profiles. */
    AP_INIT_FLAG("AutomxMobileconfigPasswords", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(amx_dir_conf, mobileconfig_passwords),
                 RSRC_CONF | ACCESS_CONF,
                 "On: put a password given in the request into Apple profiles (default Off)"),
    AP_INIT_FLAG("AutomxMobileconfigPasswordsOverHTTP", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(amx_dir_conf, passwords_over_http),
                 RSRC_CONF | ACCESS_CONF,
                 "On: take Mobileconfig passwords sent over plain http too (default Off: "
                 "400), e.g. behind a proxy that ends TLS"),
    AP_INIT_TAKE1("AutomxLDAPNoMatch", set_ldap_nomatch, NULL, OR_OPTIONS,
                  "What an address the directory does not know gets: 'database' "
                  "(the database values, default) or 204 (an empty reply)"),
    AP_INIT_TAKE1("AutomxRequestBodyLimit", set_body_limit, NULL, OR_OPTIONS,
                  "Largest Autodiscover request body in bytes, k for 1024 (default 16k, at most 64k; "
                  "LimitXMLRequestBody applies too)"),
    AP_INIT_TAKE1("AutomxInitdbURL", set_initdb_url, NULL, OR_OPTIONS,
                  "Where the site root points administrators to automx-initdb (default /initdb/)"),
    AP_INIT_TAKE1("AutomxRetryAfter", set_retry_after, NULL, OR_OPTIONS,
                  "Seconds in the Retry-After header of a 503 reply (default 30)"),
    AP_INIT_TAKE123("AutomxMobileconfigSign", set_sign, NULL, RSRC_CONF | ACCESS_CONF,
                    "CERT KEY [CHAIN]: sign Apple profiles (PEM files, read at start-up); "
                    "or Off"),
    AP_INIT_FLAG("AutomxCache", set_cache, NULL, RSRC_CONF | ACCESS_CONF,
                 "Off: every request asks the database (default On: domain data and "
                 "replies from memory, kept coherent by the database's change counter)"),
    AP_INIT_TAKE1("AutomxCacheCheck", set_cache_check, NULL, RSRC_CONF | ACCESS_CONF,
                  "Seconds between two reads of the database's change counter by one "
                  "httpd process (default 1): a change shows within this time"),
    AP_INIT_TAKE1("AutomxCacheTTL", set_cache_ttl, NULL, RSRC_CONF | ACCESS_CONF,
                  "Seconds cached data lives when the database has no change counter "
                  "(default 60); Off: as AutomxCache Off"),
    AP_INIT_FLAG("AutomxCacheStaleIfError", set_cache_stale_if_error, NULL,
                 RSRC_CONF | ACCESS_CONF,
                 "On (default): while the database fails, answer cached domains from "
                 "the cache; Off: 503"),
    AP_INIT_FLAG("AutomxDirectoryWalk", set_directory_walk, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: map the URLs of mod_automx's replies to the file system, so that "
                 "<Directory>, <Files> and .htaccess apply to them (default Off: "
                 "<Location> and the virtual host do)"),
    AP_INIT_TAKE1("AutomxCacheEntries", set_cache_entries, NULL, RSRC_CONF,
                  "Domains each httpd process keeps in memory at most (default 200000)"),
    AP_INIT_FLAG("AutomxMetrics", amx_metrics_set_enabled, NULL, RSRC_CONF,
                 "Off: keep no counters (default On: automx-metrics and server-status show them)"),
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
    { NULL }
};

/* An expired or soon expiring signing certificate is worth a warning, not a
 * refusal to start: the other virtual hosts must keep working. */
void amx_config_check_signers(apr_pool_t *ptemp)
{
    int i;
    for (i = 0; configured_signers && i < configured_signers->nelts; i++) {
        configured_signer *cs = &APR_ARRAY_IDX(configured_signers, i, configured_signer);
        /* APR's formatter knows no %lld: the days go out as apr_int64_t. */
        long long left = amx_signer_seconds_left(cs->signer, apr_time_now());
        if (left <= 0)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cs->server,
                         "AMX00006: the Mobileconfig signing certificate %s (%s) has "
                         "expired: devices will show the profile as not verified",
                         cs->file, amx_signer_subject(ptemp, cs->signer));
        else if (left < 30LL * 86400)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cs->server,
                         "AMX00007: the Mobileconfig signing certificate %s (%s) "
                         "expires in %" APR_INT64_T_FMT " days", cs->file,
                         amx_signer_subject(ptemp, cs->signer), (apr_int64_t)(left / 86400));
    }
}

