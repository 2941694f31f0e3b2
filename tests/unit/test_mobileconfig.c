/* Mobileconfig: server choice, authentication names, identifiers. */
#include <apr_encode.h>
#include <apr_sha1.h>
#include <apr_strings.h>

#include "unit.h"
#include "amx_mobileconfig.h"
#include "amx_sign.h"

static amx_domain_data *with_servers(const amx_server *list, int n)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    d->servers = apr_array_make(unit_pool, n, sizeof(amx_server));
    d->davservers = apr_array_make(unit_pool, 1, sizeof(amx_davserver));
    for (int i = 0; i < n; i++)
        APR_ARRAY_PUSH(d->servers, amx_server) = list[i];
    return d;
}

/* The UUID as APR-util's SHA-1 made it before: the same profile must
 * keep its identifiers. */
static const char *apr_uuid(const char *address, const char *role)
{
    static const unsigned char ns[16] = {
        0x6f, 0x1c, 0x3a, 0x52, 0x9e, 0x0b, 0x4d, 0x7a,
        0xb5, 0x31, 0x2c, 0x84, 0x61, 0xd9, 0x0e, 0x47
    };
    static const int groups[] = { 4, 2, 2, 2, 6 };
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    const unsigned char *in = digest;
    apr_sha1_ctx_t ctx;
    char *uuid = apr_palloc(unit_pool, 37), *out = uuid;
    int i;

    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, ns, sizeof(ns));
    apr_sha1_update(&ctx, address, (unsigned int)strlen(address));
    apr_sha1_update(&ctx, "\n", 1);
    apr_sha1_update(&ctx, role, (unsigned int)strlen(role));
    apr_sha1_final(digest, &ctx);
    digest[6] = (unsigned char)((digest[6] & 0x0F) | 0x50);
    digest[8] = (unsigned char)((digest[8] & 0x3F) | 0x80);
    for (i = 0; i < 5; i++) {
        apr_size_t len;
        if (i > 0)
            *out++ = '-';
        apr_encode_base16_binary(out, in, groups[i], APR_ENCODE_NONE, &len);
        out += len;
        in += groups[i];
    }
    *out = '\0';
    return uuid;
}

static void test_uuid_unchanged(void)
{
    char role[300];
    int n;

    /* Every length around the 64-byte blocks and their padding. */
    for (n = 0; n < 299; n++) {
        role[n] = (char)('a' + n % 26);
        role[n + 1] = '\0';
        CHECK_STR(amx_mc_uuid(unit_pool, "a@example.com", role), apr_uuid("a@example.com", role));
    }
    CHECK_STR(amx_mc_uuid(unit_pool, "o'neil&co@example.com", "caldav https://caldav.example.com"),
              apr_uuid("o'neil&co@example.com", "caldav https://caldav.example.com"));
    CHECK_STR(amx_mc_uuid(unit_pool, "", ""), apr_uuid("", ""));
}

void test_mobileconfig(void)
{
    amx_mc_servers sv;
    amx_server all[] = {   /* already in prio order, as the store gives them */
        { 1, 0, "pop", 995, "pop", "SSL", "u", "plain" },
        { 2, 1, "plain-imap", 143, "imap", "plain", "u", "plain" },
        { 3, 5, "tls-imap", 143, "IMAP", "starttls", "u", "plain" },
        { 4, 6, "ssl-imap", 993, "imap", "SSL", "u", "plain" },
        { 5, 1, "plain-smtp", 25, "smtp", "plain", "u", "plain" },
        { 6, 2, "plain-smtp2", 25, "smtp", "plain", "u", "plain" },
    };

    test_uuid_unchanged();

    CHECK(amx_mc_choose(with_servers(all, 6), &sv) == NULL);
    CHECK_STR(sv.incoming->name, "tls-imap");      /* IMAP, first encrypted */
    CHECK_STR(sv.outgoing->name, "plain-smtp");    /* no encrypted: first by prio */
    CHECK(amx_mc_choose(with_servers(all + 1, 1), &sv) != NULL);   /* no SMTP */
    CHECK(amx_mc_choose(with_servers(all + 4, 2), &sv) != NULL);   /* no IMAP/POP */
    CHECK(amx_mc_choose(with_servers(all, 0), &sv) != NULL);
    {
        amx_server pop_only[] = { all[0], all[4] };
        CHECK(amx_mc_choose(with_servers(pop_only, 2), &sv) == NULL);
        CHECK_STR(sv.incoming->name, "pop");
    }

    CHECK_STR(amx_mc_authentication("plain"), "EmailAuthPassword");
    CHECK_STR(amx_mc_authentication("NONE"), "EmailAuthNone");
    CHECK_STR(amx_mc_authentication("ntlm"), "EmailAuthNTLM");
    CHECK_STR(amx_mc_authentication("password-cleartext"), NULL);
    CHECK_STR(amx_mc_authentication(NULL), NULL);

    {
        const char *a = amx_mc_uuid(unit_pool, "a@example.com", "mail");
        /* Pinned: an iPhone replaces a profile by these identifiers, so
         * they must not change from one release to the next. */
        CHECK_STR(a, "E6454C94-2ACD-5B3E-B5E4-DB541B9937F2");
        CHECK(strlen(a) == 36 && a[14] == '5');
        CHECK(strchr("89AB", a[19]) != NULL);
        CHECK_STR(amx_mc_uuid(unit_pool, "a@example.com", "mail"), a);
        CHECK(strcmp(amx_mc_uuid(unit_pool, "b@example.com", "mail"), a) != 0);
        CHECK(strcmp(amx_mc_uuid(unit_pool, "a@example.com", "profile"), a) != 0);
        /* Address and role cannot run into each other. */
        CHECK(strcmp(amx_mc_uuid(unit_pool, "a@example.commail", ""), a) != 0);
    }

    CHECK_STR(amx_mc_filename(unit_pool, "example.com"), "example.com.mobileconfig");
    CHECK_STR(amx_mc_filename(unit_pool, "a\"b;c\\d/e"), "a_b_c_d_e.mobileconfig");
    CHECK_STR(amx_mc_filename(unit_pool, "k\xc3\xb6ln.de"), "xn--kln-sna.de.mobileconfig");
    CHECK_STR(amx_mc_filename(unit_pool, "\xc3\xb6\xe2\x98\x83"), "_____.mobileconfig");

    {
        amx_signer *s = NULL;
        const char *err = amx_signer_load(unit_pool, "/nonexistent/c.pem", "/nonexistent/k.pem",
                                          NULL, &s);
        CHECK(err != NULL && strstr(err, "/nonexistent/c.pem") != NULL);
    }
}
