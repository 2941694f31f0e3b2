/* The PACC document: exact bytes, what is left out, the digest. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_model.h"
#include "amx_pacc.h"

static amx_domain_data *domain(void)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    d->id = 1;
    d->name = "example.com";
    d->provider_name = "Ham & Eggs \"Mail\"";
    d->provider_short_name = "H+E";
    d->provider_domains = apr_array_make(unit_pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(d->provider_domains, const char *) = "example.com";
    d->servers = apr_array_make(unit_pool, 4, sizeof(amx_server));
    d->davservers = apr_array_make(unit_pool, 2, sizeof(amx_davserver));
    return d;
}

static void server(amx_domain_data *d, long id, int prio, const char *name, int port,
                   const char *type, const char *sock, const char *auth)
{
    *(amx_server *)apr_array_push(d->servers) =
        (amx_server){ id, prio, name, port, type, sock, "%EMAILADDRESS%", auth };
}

void test_pacc(void)
{
    amx_domain_data *d = domain();
    amx_data_error err;
    const char *json;

    /* Nothing on implicit TLS at the default port: nothing to describe. */
    server(d, 1, 10, "imap.example.com", 143, "imap", "STARTTLS", "plain");
    server(d, 2, 10, "smtp.example.com", 587, "smtp", "STARTTLS", "plain");
    *(amx_davserver *)apr_array_push(d->davservers) =
        (amx_davserver){ 10, "http://dav.example.com/card/", 0, "carddav", 0, 1, NULL };
    CHECK(amx_pacc_document(unit_pool, d, &json, &err) == 0);
    CHECK(json == NULL);

    /* The first that fits (the store gives them in prio order); SSL on 994
     * or an OAuth2-only server does not fit. */
    server(d, 5, 1, "odd.example.com", 994, "imap", "SSL", "plain");
    server(d, 6, 1, "oauth.example.com", 993, "imap", "SSL", "OAuth2");
    server(d, 4, 5, "imaps1.example.com", 993, "IMAP", "TLS", "secure");
    server(d, 3, 20, "imaps2.example.com", 993, "imap", "SSL", "plain");
    server(d, 7, 10, "pop.example.com", 995, "pop", "SSL", "plain");
    server(d, 8, 10, "submit.example.com", 465, "smtp", "SSL", "password-cleartext");
    *(amx_davserver *)apr_array_push(d->davservers) =
        (amx_davserver){ 11, "https://dav.example.com/cal/", 443, "caldav", 1, 0, NULL };
    CHECK(amx_pacc_document(unit_pool, d, &json, &err) == 0);
    CHECK_STR(json, "{\"authentication\":{\"password\":true},"
                    "\"info\":{\"provider\":{\"name\":\"Ham & Eggs \\\"Mail\\\"\",\"shortName\":\"H+E\"}},"
                    "\"protocols\":{\"caldav\":{\"url\":\"https://dav.example.com/cal/\"},"
                    "\"imap\":{\"host\":\"imaps1.example.com\"},"
                    "\"pop3\":{\"host\":\"pop.example.com\"},"
                    "\"smtp\":{\"host\":\"submit.example.com\"}}}");
    /* Byte-stable: the same data, the same bytes. */
    {
        const char *again;
        CHECK(amx_pacc_document(unit_pool, d, &again, &err) == 0);
        CHECK_STR(again, json);
    }

    /* A data error is one, as for Autoconfig. */
    server(d, 9, 10, "x.example.com", 993, "imap", "SSL", "kerberos-please");
    CHECK(amx_pacc_document(unit_pool, d, &json, &err) == -1);
    CHECK(err.id == 9);

    CHECK_STR(amx_pacc_digest(unit_pool, "abc", 3), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    CHECK_STR(amx_pacc_txt(unit_pool, "X="), "v=UAAC1; a=sha256; d=X=");
}
