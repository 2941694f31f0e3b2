/*
 * Shared declarations of the httpd-facing units of mod_automx.
 */
#ifndef MOD_AUTOMX_H
#define MOD_AUTOMX_H

#include "httpd.h"
#include "http_config.h"

#include "amx_sign.h"
#include "amx_site_page.h"

extern module AP_MODULE_DECLARE_DATA automx_module;

/* Per-directory configuration; -1 / NULL / 0 mean "not set here". */
typedef struct {
    int mobileconfig_passwords;  /* AutomxMobileconfigPasswords */
    int ldap_nomatch_status;     /* AutomxLDAPNoMatch: 200 or 204 */
    apr_off_t request_body_max;  /* AutomxRequestBodyLimit, bytes */
    const char *initdb_url;      /* AutomxInitdbURL, for the site root */
    int retry_after;             /* AutomxRetryAfter, seconds */
    int cache_ttl;               /* AutomxCacheTTL, seconds; 0 off, -1 unset */
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

/* Values with the defaults filled in. */
int amx_conf_mobileconfig_passwords(const amx_dir_conf *c);
int amx_conf_ldap_nomatch_status(const amx_dir_conf *c);
apr_off_t amx_conf_request_body_max(const amx_dir_conf *c);
const char *amx_conf_initdb_url(const amx_dir_conf *c);
int amx_conf_retry_after(const amx_dir_conf *c);
int amx_conf_cache_ttl(const amx_dir_conf *c);
const char *amx_conf_public_host(const amx_dir_conf *c, const server_rec *s);

/* One endpoint: what it answers and how. */
typedef int (*amx_serve_fn)(request_rec *r, const amx_dir_conf *conf);

int amx_serve_autoconfig(request_rec *r, const amx_dir_conf *conf);
int amx_serve_autodiscover_xml(request_rec *r, const amx_dir_conf *conf);
int amx_serve_autodiscover_json(request_rec *r, const amx_dir_conf *conf);
int amx_serve_mobileconfig(request_rec *r, const amx_dir_conf *conf);
int amx_serve_initdb(request_rec *r, const amx_dir_conf *conf);
int amx_serve_site(request_rec *r, const amx_dir_conf *conf);
int amx_serve_pacc(request_rec *r, const amx_dir_conf *conf);

#endif
