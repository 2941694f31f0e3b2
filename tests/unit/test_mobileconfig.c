/* Mobileconfig: server choice, authentication names, identifiers. */
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
