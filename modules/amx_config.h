/*
 * The module's configuration: the per-directory structure, its directives
 * and the accessors that fill in the defaults. It knows nothing of the
 * store, the HTTP plumbing or the protocols; they all read it.
 */
#ifndef AMX_CONFIG_H
#define AMX_CONFIG_H

#include "httpd.h"
#include "http_config.h"

#include "amx_sign.h"
#include "amx_site_page.h"

/* Per-directory configuration; -1 / NULL / 0 mean "not set here". */
typedef struct {
    int mobileconfig_passwords;  /* AutomxMobileconfigPasswords */
    int passwords_over_http;     /* AutomxMobileconfigPasswordsOverHTTP */
    int ldap_nomatch_status;     /* AutomxLDAPNoMatch: 200 or 204 */
    apr_off_t request_body_max;  /* AutomxRequestBodyLimit, bytes */
    const char *initdb_url;      /* AutomxInitdbURL, for the site root */
    int retry_after;             /* AutomxRetryAfter, seconds */
    int cache;                   /* AutomxCache: 1 on, 0 off, -1 unset */
    int cache_check;             /* AutomxCacheCheck, seconds; 0 unset */
    int cache_ttl;               /* AutomxCacheTTL, seconds; 0 off, -1 unset */
    int cache_stale_if_error;    /* AutomxCacheStaleIfError; -1 unset */
    int directory_walk;          /* AutomxDirectoryWalk; -1 unset */
    amx_signer *signer;          /* AutomxMobileconfigSign */
    int sign_set;                /* 1 when set here (Off included) */
    /* The self-service page and the DNS records (SPEC sections 9, 13). */
    const char *public_host;     /* AutomxPublicHost; NULL: the ServerName */
    const char *site_title;      /* AutomxSiteTitle */
    const char *site_logo;       /* AutomxSiteLogo, a URL */
    const char *site_support;    /* AutomxSiteSupport, a URL */
    const amx_site_template *site_template; /* AutomxSiteTemplate, parsed */
} amx_dir_conf;

#define AMX_DEFAULT_REQUEST_BODY_MAX (16 * 1024)
#define AMX_BODY_LIMIT_MAX (64 * 1024)   /* AutomxRequestBodyLimit at most */
#define AMX_DEFAULT_INITDB_URL "/initdb/"
#define AMX_DEFAULT_RETRY_AFTER 30
#define AMX_DEFAULT_CACHE_CHECK 1     /* seconds between reads of the change counter */
#define AMX_DEFAULT_CACHE_TTL 60      /* seconds, for a database without the counter */
#define AMX_DEFAULT_CACHE_ENTRIES 200000

/* The directives, for the module's command table. */
extern const command_rec amx_config_cmds[];

void *amx_config_create_dir(apr_pool_t *p, char *dir);
void *amx_config_merge_dir(apr_pool_t *p, void *base, void *add);

/* The configuration that applies to R. */
const amx_dir_conf *amx_config_of(request_rec *r);

/* Values with the defaults filled in. */
int amx_conf_mobileconfig_passwords(const amx_dir_conf *c);
int amx_conf_passwords_over_http(const amx_dir_conf *c);
int amx_conf_ldap_nomatch_status(const amx_dir_conf *c);
apr_off_t amx_conf_request_body_max(const amx_dir_conf *c);
const char *amx_conf_initdb_url(const amx_dir_conf *c);
int amx_conf_retry_after(const amx_dir_conf *c);
/* 1 when replies may come from the cache (AutomxCache, and not
 * AutomxCacheTTL Off). */
int amx_conf_cache(const amx_dir_conf *c);
int amx_conf_cache_check(const amx_dir_conf *c);
/* How long cached data lives when the database has no change counter. */
int amx_conf_cache_ttl(const amx_dir_conf *c);
int amx_conf_cache_stale_if_error(const amx_dir_conf *c);
/* 1 when httpd maps the public endpoints' URLs to the file system
 * (AutomxDirectoryWalk On); default 0. */
int amx_conf_directory_walk(const amx_dir_conf *c);
const char *amx_conf_public_host(const amx_dir_conf *c, const server_rec *s);

/* 1 when D is a <Directory>, <DirectoryMatch>, <Files> or <FilesMatch>
 * section: what httpd's directory walk reads. */
int amx_config_is_file_section(const ap_directive_t *d);

/* AutomxCacheEntries (server-wide). */
int amx_config_cache_entries(void);

/* pre_config: forget the signing certificates of an earlier reading. */
void amx_config_pre_config(apr_pool_t *pconf);

/* Warns about signing certificates that expired or expire soon. */
void amx_config_check_signers(apr_pool_t *ptemp);

#endif
