/* Templates: a reply completed from its template is the reply written for
 * the address, byte for byte. */
#include <apr_strings.h>
#include <stdlib.h>

#include "unit.h"
#include "amx_autodiscover.h"
#include "amx_mobileconfig.h"
#include "amx_template.h"
#include "amx_xml.h"

static const amx_address marker = { AMX_TPL_ADDRESS, AMX_TPL_LOCAL, AMX_TPL_DOMAIN };

/* Addresses as amx_address_parse leaves them, escaping needed or not. */
static const amx_address addresses[] = {
    { "a@example.com", "a", "example.com" },
    { "o'neil&co@example.com", "o'neil&co", "example.com" },
    { "\"<x>\"@example.com", "\"<x>\"", "example.com" },
    { "%EMAILDOMAIN%@example.com", "%EMAILDOMAIN%", "example.com" },
    { "j\xc3\xb6rg@m\xc3\xbcnchen.de", "j\xc3\xb6rg", "m\xc3\xbcnchen.de" },
    { "\xef\xbf\xbe@example.com", "\xef\xbf\xbe", "example.com" },   /* U+FFFE: not XML */
};
#define NADDR (sizeof(addresses) / sizeof(addresses[0]))

static amx_domain_data *domain(const char *server, const char *user, const char *provider)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    d->name = "example.com";
    d->provider_name = provider;
    d->provider_domains = apr_array_make(unit_pool, 1, sizeof(const char *));
    d->servers = apr_array_make(unit_pool, 2, sizeof(amx_server));
    d->davservers = apr_array_make(unit_pool, 2, sizeof(amx_davserver));
    APR_ARRAY_PUSH(d->servers, amx_server) =
        (amx_server){ 1, 10, server, 143, "imap", "STARTTLS", user, "plain" };
    APR_ARRAY_PUSH(d->servers, amx_server) =
        (amx_server){ 2, 10, "smtp.example.com", 587, "smtp", "SSL", "%EMAILADDRESS%", "plain" };
    APR_ARRAY_PUSH(d->davservers, amx_davserver) =
        (amx_davserver){ 3, "https://dav.example.com/x?a=1&b=2", 0, "caldav", 1, 0, user };
    APR_ARRAY_PUSH(d->davservers, amx_davserver) =
        (amx_davserver){ 4, "http://card.example.com:8080/", 0, "carddav", 0, 1, NULL };
    return d;
}

static amx_xml *open_buf(amx_xml_membuf *buf)
{
    *buf = (amx_xml_membuf){ unit_pool, NULL, 0, 0 };
    return amx_xml_open(unit_pool, amx_xml_membuf_write, buf);
}

/* TPL completed for ADDR, with SLOTS. */
static char *fill(const amx_xml_membuf *tpl, const amx_address *a, const amx_tpl_str *slots,
                  int n, apr_size_t *len)
{
    amx_tpl_str parts[3];
    parts[0].data = amx_xml_text(unit_pool, a->address, &parts[0].len);
    parts[1].data = amx_xml_text(unit_pool, a->local, &parts[1].len);
    parts[2].data = amx_xml_text(unit_pool, a->domain, &parts[2].len);
    apr_size_t kept_len;
    const char *names[AMX_TPL_MAX_SLOTS] = { 0 };
    const char *kept;
    amx_tpl t;
    int k;
    for (k = 0; k < n; k++)
        names[k] = "x";
    kept = amx_tpl_pack(unit_pool, 0, names, n, tpl->data, tpl->len, &kept_len);
    if (kept == NULL || amx_tpl_unpack(kept, kept_len, &t) != 0)
        return NULL;
    return amx_tpl_fill(unit_pool, &t, parts, slots, n, len);
}

static void same(const char *got, apr_size_t got_len, const amx_xml_membuf *want)
{
    CHECK(got != NULL && got_len == want->len && memcmp(got, want->data, want->len) == 0);
    if (getenv("UNIT_SHOW") && got && (got_len != want->len || memcmp(got, want->data, want->len)))
        fprintf(stderr, "GOT %zu WANT %zu\n%s\n", (size_t)got_len, (size_t)want->len, got);
}

static void test_autodiscover_templates(amx_domain_data *d)
{
    amx_xml_membuf tpl, direct;
    amx_xml *w = open_buf(&tpl);
    apr_size_t len;
    const char *out;
    unsigned i;

    CHECK(amx_autodiscover_write(w, unit_pool, d, NULL, &marker) == 0 && amx_xml_close(w) == 0);
    for (i = 0; i < NADDR; i++) {
        w = open_buf(&direct);
        CHECK(amx_autodiscover_write(w, unit_pool, d, NULL, &addresses[i]) == 0
              && amx_xml_close(w) == 0);
        out = fill(&tpl, &addresses[i], NULL, 0, &len);
        same(out, len, &direct);
    }
}

static void test_mobileconfig_templates(amx_domain_data *d)
{
    static const amx_identity none = { NULL, NULL };
    amx_xml_membuf tpl, direct;
    amx_mc_servers sv;
    amx_mc_request req = { &marker, NULL, NULL, &none, NULL };
    amx_tpl_str uuids[AMX_TPL_MAX_SLOTS];
    amx_xml *w = open_buf(&tpl);
    apr_size_t len;
    const char *out;
    unsigned i;
    int k;

    CHECK(amx_mc_choose(d, &sv) == NULL);
    CHECK(amx_mc_templatable(unit_pool, d));
    req.uuid_names = apr_array_make(unit_pool, 4, sizeof(const char *));
    CHECK(amx_mobileconfig_write(w, unit_pool, d, &sv, &req) == 0 && amx_xml_close(w) == 0);
    CHECK(req.uuid_names->nelts == 4);   /* mail, two DAV servers, the profile */
    for (i = 0; i < NADDR; i++) {
        amx_mc_request real = { &addresses[i], NULL, NULL, &none, NULL };
        w = open_buf(&direct);
        CHECK(amx_mobileconfig_write(w, unit_pool, d, &sv, &real) == 0 && amx_xml_close(w) == 0);
        for (k = 0; k < req.uuid_names->nelts; k++) {
            uuids[k].data = amx_mc_uuid(unit_pool, addresses[i].address,
                                        APR_ARRAY_IDX(req.uuid_names, k, const char *));
            uuids[k].len = strlen(uuids[k].data);
        }
        out = fill(&tpl, &addresses[i], uuids, req.uuid_names->nelts, &len);
        same(out, len, &direct);
    }
}

/* TPL (LEN bytes) packed with N strings, read back and filled. */
static char *pieces(const char *tpl, apr_size_t tpl_len, int n, const amx_tpl_str *parts,
                    const amx_tpl_str *slots, apr_size_t *len)
{
    static const char *const names[] = { "one", "two" };
    apr_size_t kept_len;
    const char *kept = amx_tpl_pack(unit_pool, 0, names, n, tpl, tpl_len, &kept_len);
    amx_tpl t;

    if (kept == NULL || amx_tpl_unpack(kept, kept_len, &t) != 0)
        return NULL;
    return amx_tpl_fill(unit_pool, &t, parts, slots, n, len);
}

static void test_pieces(void)
{
    static const amx_tpl_str parts[3] = { { "A", 1 }, { "LL", 2 }, { "", 0 } };
    static const amx_tpl_str slots[2] = { { "s0", 2 }, { "s1", 2 } };
    static const char *const names[] = { "one", "two" };
    apr_size_t len;
    char *kept, *out;
    amx_tpl t;

    out = pieces("x" AMX_TPL_ADDRESS "y" AMX_TPL_LOCAL AMX_TPL_DOMAIN AMX_TPL_SLOT "B"
                 AMX_TPL_SLOT "A", 2 + 4 * 5 + 2, 2, parts, slots, &len);
    CHECK_STR(out, "xAyLLs1s0");
    CHECK(len == 9);
    CHECK_STR(pieces("", 0, 0, parts, slots, &len), "");
    CHECK_STR(pieces(AMX_TPL_DOMAIN "z", 5, 0, parts, slots, &len), "z");
    /* Broken markers and unknown slots are refused, not read past. */
    CHECK(pieces("x\xf4\x8f", 3, 2, parts, slots, &len) == NULL);
    CHECK(pieces(AMX_TPL_SLOT "C", 5, 2, parts, slots, &len) == NULL);
    CHECK(pieces(AMX_TPL_SLOT "A", 5, 0, parts, slots, &len) == NULL);
    CHECK(pieces(AMX_TPL_SLOT, 4, 2, parts, slots, &len) == NULL);
    CHECK(pieces("\xf4\x8f\xbf\xb9", 4, 2, parts, slots, &len) == NULL);
    CHECK(amx_tpl_has_marker("a" AMX_TPL_DOMAIN) && !amx_tpl_has_marker("plain \xc3\xa9"));

    kept = amx_tpl_pack(unit_pool, 1, names, 2, "b" AMX_TPL_SLOT "Bdy", 8, &len);
    CHECK(amx_tpl_unpack(kept, len, &t) == 0);
    CHECK(t.flags == 1 && t.n == 2 && t.body_len == 3 && memcmp(t.body, "bdy", 3) == 0);
    CHECK_STR(t.strings[0], "one");
    CHECK_STR(t.strings[1], "two");
    /* Fewer slots given than the template has. */
    CHECK(amx_tpl_fill(unit_pool, &t, parts, slots, 1, &len) == NULL);
    /* Cut short anywhere: refused. */
    for (apr_size_t cut = 0; cut < len; cut++)
        CHECK(amx_tpl_unpack(kept, cut, &t) == -1);
    CHECK(amx_tpl_unpack("nope", 4, &t) == -1);
}

void test_template(void)
{
    test_pieces();
    /* Placeholders, text to escape, a broken UTF-8 sequence before one. */
    test_autodiscover_templates(domain("imap.%EMAILDOMAIN%", "%EMAILLOCALPART%", "P"));
    test_autodiscover_templates(domain("a&b<\xc3%EMAILDOMAIN%\r", "x%EMAILADDRESS%%EMAILLOCALPART%",
                                       "Ham & Eggs"));
    test_mobileconfig_templates(domain("imap.%EMAILDOMAIN%", "%EMAILLOCALPART%", "P"));
    test_mobileconfig_templates(domain("a&b<\xc3%EMAILDOMAIN%", "%EMAILADDRESS%",
                                       "Ham & Eggs %EMAILDOMAIN%"));
    /* A DAV URL with a placeholder gives its host to the profile: no
     * template. */
    {
        amx_domain_data *d = domain("imap", "u", "P");
        APR_ARRAY_IDX(d->davservers, 0, amx_davserver).url = "https://%EMAILDOMAIN%/dav";
        CHECK(!amx_mc_templatable(unit_pool, d));
    }
}
