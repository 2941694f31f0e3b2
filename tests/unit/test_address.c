/* Address parsing and domain normalisation. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_address.h"

static amx_addr_status parse(const char *s, amx_address *a)
{
    return amx_address_parse(unit_pool, s, strlen(s), a);
}

void test_address(void)
{
    amx_address a;
    char long_local[400];

    CHECK(parse("user@example.com", &a) == AMX_ADDR_OK);
    CHECK_STR(a.local, "user");
    CHECK_STR(a.domain, "example.com");
    CHECK_STR(a.address, "user@example.com");

    /* Domain: lower case, one trailing dot dropped; local part untouched. */
    CHECK(parse("John.Doe@Example.COM.", &a) == AMX_ADDR_OK);
    CHECK_STR(a.local, "John.Doe");
    CHECK_STR(a.domain, "example.com");
    CHECK_STR(a.address, "John.Doe@example.com");

    CHECK(parse("", &a) == AMX_ADDR_EMPTY);
    CHECK(amx_address_parse(unit_pool, NULL, 0, &a) == AMX_ADDR_EMPTY);
    CHECK(parse("userexample.com", &a) == AMX_ADDR_NO_AT);
    CHECK(parse("a@b@example.com", &a) == AMX_ADDR_MANY_AT);
    CHECK(parse("@example.com", &a) == AMX_ADDR_EMPTY_LOCAL);
    CHECK(parse("user@", &a) == AMX_ADDR_EMPTY_DOMAIN);
    CHECK(parse("user@.", &a) == AMX_ADDR_EMPTY_DOMAIN);
    CHECK(parse("us er@example.com", &a) == AMX_ADDR_SPACE);
    CHECK(parse("user@example.com\t", &a) == AMX_ADDR_SPACE);
    CHECK(parse("user\r\n@example.com", &a) == AMX_ADDR_CONTROL);
    CHECK(parse("user\x7f@example.com", &a) == AMX_ADDR_CONTROL);
    CHECK(amx_address_parse(unit_pool, "user\0x@example.com", 18, &a) == AMX_ADDR_CONTROL);

    /* 320 octets pass, 321 do not. */
    memset(long_local, 'a', sizeof(long_local));
    memcpy(long_local + 308, "@example.com", 12);
    CHECK(amx_address_parse(unit_pool, long_local, 320, &a) == AMX_ADDR_OK);
    memcpy(long_local + 309, "@example.com", 12);
    CHECK(amx_address_parse(unit_pool, long_local, 321, &a) == AMX_ADDR_TOO_LONG);

    /* UTF-8: well-formed passes (an IDN domain keeps its form, made
     * canonical; one IDNA refuses is invalid). */
    CHECK(parse("j\xc3\xbcrgen@m\xc3\xbcnchen.de", &a) == AMX_ADDR_OK);
    CHECK_STR(a.domain, "m\xc3\xbcnchen.de");
    CHECK(parse("J\xc3\xbcrgen@M\xc3\x9cNCHEN.DE.", &a) == AMX_ADDR_OK);
    CHECK_STR(a.domain, "m\xc3\xbcnchen.de");
    CHECK_STR(a.address, "J\xc3\xbcrgen@m\xc3\xbcnchen.de");
    CHECK(parse("jo@XN--MNCHEN-3YA.de", &a) == AMX_ADDR_OK);
    CHECK_STR(a.domain, "xn--mnchen-3ya.de");
    CHECK(parse("jo@xn--zz.de", &a) == AMX_ADDR_IDN);
    CHECK(parse("jo@\xe2\x98\x83.com", &a) == AMX_ADDR_IDN);
    CHECK(strcmp(amx_address_strerror(AMX_ADDR_IDN), "invalid") != 0);

    /* Replies carry the stored form of the domain. */
    CHECK(parse("jo@m\xc3\xbcnchen.de", &a) == AMX_ADDR_OK);
    amx_address_rebase(unit_pool, &a, "xn--mnchen-3ya.de");
    CHECK_STR(a.domain, "xn--mnchen-3ya.de");
    CHECK_STR(a.address, "jo@xn--mnchen-3ya.de");
    CHECK_STR(a.local, "jo");
    CHECK(parse("jo@example.com", &a) == AMX_ADDR_OK);
    amx_address_rebase(unit_pool, &a, "Example.COM");   /* ASCII case: as requested */
    CHECK_STR(a.address, "jo@example.com");
    amx_address_rebase(unit_pool, NULL, "x");
    CHECK(parse("\xf0\x9f\x93\xa7@example.com", &a) == AMX_ADDR_OK);
    CHECK(parse("\xc3@example.com", &a) == AMX_ADDR_UTF8);        /* truncated */
    CHECK(parse("\xc0\xaf@example.com", &a) == AMX_ADDR_UTF8);    /* overlong */
    CHECK(parse("\xed\xa0\x80@example.com", &a) == AMX_ADDR_UTF8); /* surrogate */
    CHECK(parse("\xf4\x90\x80\x80@example.com", &a) == AMX_ADDR_UTF8); /* > U+10FFFF */
    CHECK(parse("user@example.\xff", &a) == AMX_ADDR_UTF8);

    /* Characters with a meaning in SQL, XML or LDAP are data, not errors. */
    CHECK(parse("o'brien\";--<x>&(*)@example.com", &a) == AMX_ADDR_OK);
    CHECK_STR(a.local, "o'brien\";--<x>&(*)");

    CHECK(amx_address_strerror(AMX_ADDR_TOO_LONG) != NULL);

    CHECK_STR(amx_domain_normalize(unit_pool, "EXAMPLE.org", 11), "example.org");
    CHECK_STR(amx_domain_normalize(unit_pool, ".", 1), NULL);
    CHECK_STR(amx_domain_normalize(unit_pool, "a..", 3), "a.");

    CHECK_STR(amx_domain_from_host(unit_pool, "autoconfig.example.com"), "example.com");
    CHECK_STR(amx_domain_from_host(unit_pool, "AutoConfig.Example.COM:443"), "example.com");
    CHECK_STR(amx_domain_from_host(unit_pool, "example.com"), "example.com");
    CHECK_STR(amx_domain_from_host(unit_pool, "mail.autoconfig.example.com"),
              "mail.autoconfig.example.com");
    /* A host that is nothing but the label is a domain of its own. */
    CHECK_STR(amx_domain_from_host(unit_pool, "autoconfig."), "autoconfig");
    CHECK_STR(amx_domain_from_host(unit_pool, ""), NULL);
    CHECK_STR(amx_domain_from_host(unit_pool, NULL), NULL);
}
