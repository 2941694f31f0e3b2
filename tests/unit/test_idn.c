/* Internationalised domain names: both forms, canonical, invalid ones refused. */
#include "unit.h"
#include "amx_idn.h"

static int forms(const char *domain, const char **lookup, const char **other)
{
    return amx_idn_forms(unit_pool, domain, lookup, other);
}

void test_idn(void)
{
    const char *lookup, *other;
    const char *plain = "example.com";

    /* Plain ASCII: one form, the very string (no copy, no libidn2). */
    CHECK(forms(plain, &lookup, &other) == 0);
    CHECK(lookup == plain && other == NULL);
    /* ASCII that IDNA would refuse is no IDN question: unchanged. */
    CHECK(forms("a_b--c.example", &lookup, &other) == 0);
    CHECK_STR(lookup, "a_b--c.example");
    CHECK_STR(other, NULL);

    /* U-labels: looked up as U-labels first, then as A-labels. */
    CHECK(forms("m\xc3\xbcnchen.de", &lookup, &other) == 0);
    CHECK_STR(lookup, "m\xc3\xbcnchen.de");
    CHECK_STR(other, "xn--mnchen-3ya.de");
    /* Upper case beyond ASCII (amx_domain_normalize leaves it) and
     * decomposed umlauts come out canonical. */
    CHECK(forms("m\xc3\x9cnchen.de", &lookup, &other) == 0);
    CHECK_STR(lookup, "m\xc3\xbcnchen.de");
    CHECK_STR(other, "xn--mnchen-3ya.de");
    CHECK(forms("mu\xcc\x88nchen.de", &lookup, &other) == 0);
    CHECK_STR(lookup, "m\xc3\xbcnchen.de");
    /* IDNA 2008, not 2003: sharp s stays a letter of its own. */
    CHECK(forms("stra\xc3\x9f" "e.de", &lookup, &other) == 0);
    CHECK_STR(other, "xn--strae-oqa.de");

    /* A-labels: as given first, then as U-labels. */
    CHECK(forms("xn--mnchen-3ya.de", &lookup, &other) == 0);
    CHECK_STR(lookup, "xn--mnchen-3ya.de");
    CHECK_STR(other, "m\xc3\xbcnchen.de");
    CHECK(forms("mail.xn--mnchen-3ya.de", &lookup, &other) == 0);
    CHECK_STR(other, "mail.m\xc3\xbcnchen.de");
    /* "xn--" inside a label is no A-label. */
    CHECK(forms("axn--b.de", &lookup, &other) == 0);
    CHECK_STR(other, NULL);
    /* Both kinds of label in one name: the client used Unicode. */
    CHECK(forms("xn--mnchen-3ya.k\xc3\xb6ln.de", &lookup, &other) == 0);
    CHECK_STR(lookup, "m\xc3\xbcnchen.k\xc3\xb6ln.de");
    CHECK_STR(other, "xn--mnchen-3ya.xn--kln-sna.de");

    /* Width folding that ends in plain ASCII: one form. */
    CHECK(forms("\xef\xbd\x85xample.com", &lookup, &other) == 0);
    CHECK_STR(lookup, "example.com");
    CHECK_STR(other, NULL);

    /* Invalid: bad Punycode, an A-label that does not round-trip, symbols
     * IDNA 2008 disallows, a label over 63 octets. */
    CHECK(forms("xn--zz.de", &lookup, &other) == -1);
    CHECK(lookup == NULL && other == NULL);
    CHECK(forms("xn--.de", &lookup, &other) == -1);
    CHECK(forms("xn--ab.de", &lookup, &other) == -1);
    /* An A-label libidn2 decodes, to a U-label it refuses (U+00B4). */
    CHECK(forms("oooooof.xn--kln--kln-sna.de", &lookup, &other) == -1);
    CHECK(forms("\xe2\x98\x83.com", &lookup, &other) == -1);          /* snowman */
    CHECK(forms("\xf0\x9f\x93\xa7.de", &lookup, &other) == -1);       /* envelope */
    CHECK(forms("m\xc3\xbcnchen-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.de",
                &lookup, &other) == -1);
}
