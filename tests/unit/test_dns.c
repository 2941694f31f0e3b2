/* The zone-file snippet of one domain, line by line. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_dns.h"
#include "amx_model.h"

static amx_domain_data *domain(const char *name)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    d->id = 7;
    d->name = name;
    d->provider_name = "P";
    d->provider_domains = apr_array_make(unit_pool, 1, sizeof(const char *));
    d->servers = apr_array_make(unit_pool, 4, sizeof(amx_server));
    d->davservers = apr_array_make(unit_pool, 2, sizeof(amx_davserver));
    return d;
}

static void server(amx_domain_data *d, long id, int prio, const char *name, int port,
                   const char *type, const char *sock)
{
    *(amx_server *)apr_array_push(d->servers) =
        (amx_server){ id, prio, name, port, type, sock, "%EMAILADDRESS%", "plain" };
}

#define HAS(zone, line) CHECK(strstr((zone), line "\n") != NULL)
#define LACKS(zone, text) CHECK(strstr((zone), text) == NULL)

void test_dns(void)
{
    amx_domain_data *d = domain("Example.COM.");
    const char *z;

    server(d, 1, 5, "imap.example.com", 993, "imap", "SSL");
    server(d, 2, 10, " imap2.example.com. ", 143, "imap", "STARTTLS");
    server(d, 3, 1, "plain.example.com", 143, "imap", "plain");   /* beside encrypted: out */
    server(d, 4, 10, "smtp.example.com", 587, "smtp", "STARTTLS");
    server(d, 5, 10, "bad host", 465, "smtp", "SSL");
    *(amx_davserver *)apr_array_push(d->davservers) =
        (amx_davserver){ 10, "https://dav.example.com:8443/cal/", 0, "caldav", 1, 0, NULL };
    *(amx_davserver *)apr_array_push(d->davservers) =
        (amx_davserver){ 11, "http://dav.example.com/card/%EMAILADDRESS%", 0, "carddav", 0, 1, NULL };
    z = amx_dns_zone(unit_pool, d, "automx.example.net", "v=UAAC1; a=sha256; d=AA==");

    /* amx_dns_zone gets the stored name; the snippet uses it as it is but
     * for the trailing dot (a zone file is case-insensitive). */
    HAS(z, "autoconfig.Example.COM. 3600 IN CNAME automx.example.net.");
    HAS(z, "autodiscover.Example.COM. 3600 IN CNAME automx.example.net.");
    HAS(z, "_autodiscover._tcp.Example.COM. 3600 IN SRV 0 0 443 automx.example.net.");
    HAS(z, "_imaps._tcp.Example.COM. 3600 IN SRV 5 0 993 imap.example.com.");
    HAS(z, "_imap._tcp.Example.COM. 3600 IN SRV 10 0 143 imap2.example.com.");
    LACKS(z, "plain.example.com");
    HAS(z, "_submission._tcp.Example.COM. 3600 IN SRV 10 0 587 smtp.example.com.");
    HAS(z, "; server id 5 left out: its host name or port cannot be published");
    /* The only SSL SMTP server is unusable: _submissions is "not available". */
    HAS(z, "_submissions._tcp.Example.COM. 3600 IN SRV 0 0 0 .");
    /* No POP server while there are mail servers: POP is not offered. */
    HAS(z, "_pop3s._tcp.Example.COM. 3600 IN SRV 0 0 0 .");
    HAS(z, "_pop3._tcp.Example.COM. 3600 IN SRV 0 0 0 .");
    HAS(z, "_caldavs._tcp.Example.COM. 3600 IN SRV 10 0 8443 dav.example.com.");
    HAS(z, "_caldavs._tcp.Example.COM. 3600 IN TXT \"path=/cal/\"");
    HAS(z, "_carddav._tcp.Example.COM. 3600 IN SRV 10 0 80 dav.example.com.");
    LACKS(z, "path=/card");                /* a placeholder is no path */
    HAS(z, "_carddavs._tcp.Example.COM. 3600 IN SRV 0 0 0 .");
    HAS(z, "ua-auto-config.Example.COM. 3600 IN CNAME automx.example.net.");
    HAS(z, "_ua-auto-config.Example.COM. 3600 IN TXT \"v=UAAC1; a=sha256; d=AA==\"");

    /* No servers at all: the data says nothing about mail; no PACC. */
    z = amx_dns_zone(unit_pool, domain("serverless.tld"), "h.example", NULL);
    LACKS(z, "_imap");
    LACKS(z, "ua-auto-config");
    HAS(z, "autoconfig.serverless.tld. 3600 IN CNAME h.example.");

    /* Only implicit TLS: the STARTTLS name is "not available". */
    d = domain("tls.example");
    server(d, 1, 10, "imap.tls.example", 993, "imap", "SSL");
    z = amx_dns_zone(unit_pool, d, "h.example", NULL);
    HAS(z, "_imap._tcp.tls.example. 3600 IN SRV 0 0 0 .");

    /* U-labels go into the zone file as A-labels. */
    d = domain("Zürich.example");
    server(d, 1, 10, "imap.münchen.de", 993, "imap", "SSL");
    z = amx_dns_zone(unit_pool, d, "h.example", NULL);
    HAS(z, "autoconfig.xn--zrich-kva.example. 3600 IN CNAME h.example.");
    HAS(z, "_imaps._tcp.xn--zrich-kva.example. 3600 IN SRV 10 0 993 imap.xn--mnchen-3ya.de.");

    /* A name that no zone file can hold in either form. */
    z = amx_dns_zone(unit_pool, domain("bad name.example"), "h.example", NULL);
    CHECK_STR(z, "; domain id 7 left out: its name is not an ASCII host name\n");
}
