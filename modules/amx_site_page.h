/*
 * The self-service page at the site root (SPEC section 9): the form, the
 * settings of one address, and the template operators may replace. Pure:
 * no httpd. Every value from the database or the request is HTML-escaped
 * here; only the template and the QR code's SVG are markup.
 *
 * Template syntax: the file is HTML with placeholders {{name}}, where name
 * is one of
 *   title    the site title (AutomxSiteTitle), escaped
 *   style    the built-in <style> element (the CSP header allows it by hash)
 *   logo     an <img> of AutomxSiteLogo, or nothing
 *   support  a link to AutomxSiteSupport, or nothing
 *   content  the form or the settings (required, exactly once)
 * Any other {{...}} is an error at start-up; a "{{" without a closing "}}"
 * is text.
 */
#ifndef AMX_SITE_PAGE_H
#define AMX_SITE_PAGE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "amx_address.h"
#include "amx_autoconfig.h"
#include "amx_model.h"

typedef enum {
    AMX_DEVICE_DESKTOP = 0,
    AMX_DEVICE_APPLE,     /* iPhone, iPad, iPod, Mac: Mobileconfig profiles */
    AMX_DEVICE_ANDROID
} amx_device;

/* The device class a User-Agent header names (NULL: desktop). iPadOS
 * Safari says "Macintosh", which lands on Apple too. */
amx_device amx_site_device(const char *user_agent);

typedef struct amx_site_template amx_site_template;

/* Parses LEN bytes at TEXT. Returns NULL with *OUT set, or a message
 * naming what is wrong (an unknown placeholder, no or two {{content}}). */
const char *amx_site_template_parse(apr_pool_t *p, const char *text, apr_size_t len,
                                    const amx_site_template **out);

/* The built-in template. */
const amx_site_template *amx_site_template_builtin(apr_pool_t *p);

/* The style sheet of {{style}} and the Content-Security-Policy header
 * that allows it (by its SHA-256) and no script at all. */
const char *amx_site_style(void);
const char *amx_site_csp(apr_pool_t *p);

typedef struct {
    const char *title;        /* NULL: "Mail settings" */
    const char *logo_url;     /* NULL: no logo */
    const char *support_url;  /* NULL: no support link */
} amx_site_brand;

typedef enum {
    AMX_PAGE_FORM = 0,        /* no address asked yet */
    AMX_PAGE_SETTINGS,        /* the settings of one address */
    AMX_PAGE_UNKNOWN_DOMAIN,  /* the domain is not in the database */
    AMX_PAGE_INVALID_ADDRESS, /* 400 */
    AMX_PAGE_DATA_ERROR,      /* 400: the domain's rows are unusable */
    AMX_PAGE_NO_TABLES,       /* the tables do not exist (yet) */
    AMX_PAGE_NO_DOMAINS       /* the tables are empty */
} amx_page_kind;

/* One row of the manual settings, every value as the user types it. */
typedef struct {
    const char *role;         /* "Incoming (IMAP)", "Outgoing (SMTP)", ... */
    const char *host;
    int port;
    const char *security;     /* "SSL/TLS", "STARTTLS", "None" */
    const char *username;
} amx_site_server;

typedef struct {
    const char *role;         /* "Calendar (CalDAV)", "Contacts (CardDAV)" */
    const char *url;
    const char *username;     /* NULL: the mail user name */
} amx_site_dav;

typedef struct {
    amx_page_kind kind;
    amx_device device;
    const char *address;      /* as typed, for the form and the headings */
    const char *domain;
    const char *provider;     /* provider name */
    apr_array_header_t *servers; /* amx_site_server */
    apr_array_header_t *dav;     /* amx_site_dav */
    const char *profile_url;  /* NULL: the domain has no Mobileconfig */
    const char *page_url;     /* the absolute URL the QR code shows */
    const char *qr_svg;       /* markup from amx_qr_svg(), or NULL */
    const char *initdb_url;   /* for AMX_PAGE_NO_TABLES / NO_DOMAINS */
} amx_site_page;

/* The manual settings of DOC for ADDR: placeholders expanded, ID->uid
 * (when set) as every user name, as the Autodiscover and Mobileconfig
 * replies do. Fills PAGE->servers and PAGE->dav. */
void amx_site_settings(apr_pool_t *p, const amx_autoconfig_doc *doc, const amx_address *addr,
                       const amx_identity *id, amx_site_page *page);

/* The whole page. */
const char *amx_site_render(apr_pool_t *p, const amx_site_template *t,
                            const amx_site_brand *brand, const amx_site_page *page);

#endif
