/* RFC 4515 escaping of the address in an LDAP filter. */
#include "unit.h"
#include "amx_ldap_filter.h"

void test_ldap_filter(void)
{
    const char *why = NULL;

    CHECK_STR(amx_ldap_filter(unit_pool, "(mail={0})", "jo@example.com", 14, &why),
              "(mail=jo@example.com)");
    CHECK_STR(amx_ldap_filter(unit_pool, "(&(objectClass=person)(mail={0}))", "*@example.com",
                              13, &why), "(&(objectClass=person)(mail=\\2a@example.com))");
    CHECK_STR(amx_ldap_escape(unit_pool, "x)(uid=*)", 9), "x\\29\\28uid=\\2a\\29");
    CHECK_STR(amx_ldap_escape(unit_pool, "a\\b", 3), "a\\5cb");
    CHECK_STR(amx_ldap_escape(unit_pool, "a\0b", 3), "a\\00b");
    CHECK_STR(amx_ldap_escape(unit_pool, "j\xc3\xbcrgen", 7), "j\xc3\xbcrgen"); /* UTF-8 stays */
    CHECK_STR(amx_ldap_escape(unit_pool, "", 0), "");
    /* A placeholder-looking address is just data. */
    CHECK_STR(amx_ldap_filter(unit_pool, "(mail={0})", "{0}@x", 5, &why), "(mail={0}@x)");

    CHECK(amx_ldap_filter(unit_pool, "(mail=*)", "a@b", 3, &why) == NULL);
    CHECK_STR(why, "the search filter has no {0}");
    /* Every {0} is replaced, each escaped, as automx2 replaces them all. */
    CHECK_STR(amx_ldap_filter(unit_pool, "(|(mail={0})(alias={0}))", "a@b", 3, &why),
              "(|(mail=a@b)(alias=a@b))");
    CHECK_STR(amx_ldap_filter(unit_pool, "(|(mail={0})(alias={0}))", "*)(x", 4, &why),
              "(|(mail=\\2a\\29\\28x)(alias=\\2a\\29\\28x))");
    CHECK_STR(amx_ldap_filter(unit_pool, "{0}{0}{0}", "{0}", 3, &why), "{0}{0}{0}");
    CHECK_STR(amx_ldap_filter(unit_pool, "{0}", "a", 1, &why), "a");
    CHECK_STR(amx_ldap_filter(unit_pool, "({0})({0}", "a", 1, &why), "(a)(a");
    CHECK_STR(amx_ldap_filter(unit_pool, "{{0}}", "a", 1, &why), "{a}");
    CHECK(amx_ldap_filter(unit_pool, NULL, "a@b", 3, &why) == NULL);
}
