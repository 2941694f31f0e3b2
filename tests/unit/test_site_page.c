/* The self-service page: device classes, the template, escaping. */
#include <openssl/evp.h>
#include <apr_base64.h>
#include <apr_strings.h>

#include "unit.h"
#include "amx_address.h"
#include "amx_autoconfig.h"
#include "amx_site_page.h"

#define HAS(s, text) CHECK(strstr((s), (text)) != NULL)
#define LACKS(s, text) CHECK(strstr((s), (text)) == NULL)

static void devices(void)
{
    CHECK(amx_site_device(NULL) == AMX_DEVICE_DESKTOP);
    CHECK(amx_site_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
                          "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 "
                          "Safari/604.1") == AMX_DEVICE_APPLE);
    CHECK(amx_site_device("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15")
          == AMX_DEVICE_APPLE);
    CHECK(amx_site_device("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                          "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36")
          == AMX_DEVICE_ANDROID);
    CHECK(amx_site_device("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
          == AMX_DEVICE_DESKTOP);
}

static const char *parse_error(const char *text)
{
    const amx_site_template *t;
    return amx_site_template_parse(unit_pool, text, strlen(text), &t);
}

static void templates(void)
{
    const amx_site_template *t;
    amx_site_page pg;
    amx_site_brand brand = { "A <b> & C", "https://x.example/logo.png?a=1&b=2", "mailto:help@x.example" };
    const char *out;

    CHECK(parse_error("<p>{{content}}</p>") == NULL);
    HAS(parse_error("{{content}}{{body}}"), "unknown placeholder {{body}}");
    HAS(parse_error("<p>nothing</p>"), "no {{content}}");
    HAS(parse_error("{{content}}{{content}}"), "more than once");
    CHECK(parse_error("{{content}} {{ not closed") == NULL);

    CHECK(amx_site_template_parse(unit_pool, "<t>{{title}}</t>{{logo}}{{content}}{{support}}{{style}}{{",
                                  strlen("<t>{{title}}</t>{{logo}}{{content}}{{support}}{{style}}{{"),
                                  &t) == NULL);
    memset(&pg, 0, sizeof(pg));
    out = amx_site_render(unit_pool, t, &brand, &pg);
    HAS(out, "<t>A &lt;b&gt; &amp; C</t>");
    HAS(out, "<img src=\"https://x.example/logo.png?a=1&amp;b=2\" alt=\"\">");
    HAS(out, "<a id=\"support\" href=\"mailto:help@x.example\">");
    HAS(out, "<form method=\"get\" action=\"/\">");
    HAS(out, apr_pstrcat(unit_pool, "<style>", amx_site_style(), "</style>{{", NULL));

    /* No brand: the default title, no logo, no support link. */
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "<title>Mail settings</title>");
    LACKS(out, "<img");
    LACKS(out, "id=\"support\"");
    LACKS(out, "<script");
}

static void csp(void)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n;
    char b64[64];
    const char *h = amx_site_csp(unit_pool);

    EVP_Digest(amx_site_style(), strlen(amx_site_style()), md, &n, EVP_sha256(), NULL);
    apr_base64_encode(b64, (const char *)md, (int)n);
    HAS(h, apr_pstrcat(unit_pool, "style-src 'self' 'sha256-", b64, "'", NULL));
    HAS(h, "default-src 'none'");
    LACKS(h, "script-src");       /* default-src 'none' forbids every script */
    LACKS(h, "unsafe-inline");
}

static amx_autoconfig_doc *doc(void)
{
    amx_autoconfig_doc *d = apr_pcalloc(unit_pool, sizeof(*d));
    d->servers = apr_array_make(unit_pool, 2, sizeof(amx_ac_server));
    d->dav = apr_array_make(unit_pool, 1, sizeof(amx_ac_dav));
    *(amx_ac_server *)apr_array_push(d->servers) = (amx_ac_server){
        "incomingServer", "imap", "imap.example.com", 993, "SSL", "%EMAILLOCALPART%",
        "password-cleartext" };
    *(amx_ac_server *)apr_array_push(d->servers) = (amx_ac_server){
        "outgoingServer", "smtp", "smtp.example.com", 587, "STARTTLS", "%EMAILADDRESS%",
        "password-cleartext" };
    *(amx_ac_dav *)apr_array_push(d->dav) = (amx_ac_dav){
        "calendar", "caldav", "https://dav.example.com/%EMAILADDRESS%/", "%EMAILADDRESS%" };
    return d;
}

static void settings(void)
{
    amx_address a;
    amx_identity none = { NULL, NULL }, ldap = { "jdoe", "J. Doe" };
    amx_site_page pg;
    const char *out;
    const char *addr = "<b>\"x\"@example.com";

    CHECK(amx_address_parse(unit_pool, addr, strlen(addr), &a) == AMX_ADDR_OK);
    memset(&pg, 0, sizeof(pg));
    amx_site_settings(unit_pool, doc(), &a, &none, &pg);
    CHECK(pg.servers->nelts == 2 && pg.dav->nelts == 1);
    CHECK_STR(APR_ARRAY_IDX(pg.servers, 0, amx_site_server).username, "<b>\"x\"");
    CHECK_STR(APR_ARRAY_IDX(pg.servers, 0, amx_site_server).security, "SSL/TLS");
    CHECK_STR(APR_ARRAY_IDX(pg.servers, 1, amx_site_server).role, "Outgoing (SMTP)");
    CHECK_STR(APR_ARRAY_IDX(pg.dav, 0, amx_site_dav).url, "https://dav.example.com/<b>\"x\"@example.com/");

    pg.kind = AMX_PAGE_SETTINGS;
    pg.device = AMX_DEVICE_APPLE;
    pg.address = a.address;
    pg.domain = a.domain;
    pg.provider = "Ham & Eggs";
    pg.profile_url = "/mobileconfig/?emailaddress=%3Cb%3E";
    pg.page_url = "https://h/?emailaddress=%3Cb%3E";
    pg.qr_svg = "<svg id=\"q\"></svg>";
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "id=\"install-profile\" href=\"/mobileconfig/?emailaddress=%3Cb%3E\">Install profile</a>");
    HAS(out, "&lt;b&gt;&quot;x&quot;@example.com");
    LACKS(out, "<b>\"x\"");
    HAS(out, "(Ham &amp; Eggs)");
    HAS(out, "<td data-label=\"Host name\"><code>imap.example.com</code></td>"
             "<td data-label=\"Port\">993</td><td data-label=\"Security\">SSL/TLS</td>");
    HAS(out, "<svg id=\"q\"></svg>");

    pg.device = AMX_DEVICE_ANDROID;
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "Thunderbird for Android");
    LACKS(out, "Install profile");
    pg.device = AMX_DEVICE_DESKTOP;
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "<b>Thunderbird</b> and <b>Outlook</b> configure themselves");

    /* The directory's uid is every user name. */
    amx_site_settings(unit_pool, doc(), &a, &ldap, &pg);
    CHECK_STR(APR_ARRAY_IDX(pg.servers, 1, amx_site_server).username, "jdoe");

    /* The other pages say what happened. */
    pg.kind = AMX_PAGE_INVALID_ADDRESS;
    pg.address = "no at sign";
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "<b>no at sign</b> is not an email address");
    HAS(out, "value=\"no at sign\"");
    pg.kind = AMX_PAGE_UNKNOWN_DOMAIN;
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "No settings for no at sign");
    pg.kind = AMX_PAGE_NO_TABLES;
    pg.initdb_url = "/setup/?a=1&b=2";
    out = amx_site_render(unit_pool, amx_site_template_builtin(unit_pool), NULL, &pg);
    HAS(out, "no automx tables yet");
    HAS(out, "href=\"/setup/?a=1&amp;b=2\"");
}

void test_site_page(void)
{
    devices();
    templates();
    csp();
    settings();
}
