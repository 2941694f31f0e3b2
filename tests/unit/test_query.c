/* Query-string decoding. */
#include "unit.h"
#include "amx_query.h"

void test_query(void)
{
    const char *v = NULL;
    apr_size_t len = 0;

    CHECK(amx_query_param(unit_pool, "emailaddress=user%40example.com", "emailaddress",
                          &v, &len) == AMX_QUERY_FOUND);
    CHECK_STR(v, "user@example.com");
    CHECK(len == 16);

    CHECK(amx_query_param(unit_pool, "a=1&EmailAddress=x+y&b", "emailaddress", &v, &len)
          == AMX_QUERY_FOUND);
    CHECK_STR(v, "x y");

    CHECK(amx_query_param(unit_pool, NULL, "emailaddress", &v, &len) == AMX_QUERY_ABSENT);
    CHECK(amx_query_param(unit_pool, "", "emailaddress", &v, &len) == AMX_QUERY_ABSENT);
    CHECK(amx_query_param(unit_pool, "emailaddressx=1&xemailaddress=2", "emailaddress",
                          &v, &len) == AMX_QUERY_ABSENT);
    CHECK(amx_query_param(unit_pool, "emailaddress", "emailaddress", &v, &len)
          == AMX_QUERY_FOUND);
    CHECK(len == 0);
    CHECK(amx_query_param(unit_pool, "emailaddress=&&", "emailaddress", &v, &len)
          == AMX_QUERY_FOUND);
    CHECK(len == 0);

    CHECK(amx_query_param(unit_pool, "emailaddress=a&emailaddress=b", "emailaddress",
                          &v, &len) == AMX_QUERY_REPEATED);
    CHECK(amx_query_param(unit_pool, "emailaddress=a%zz", "emailaddress", &v, &len)
          == AMX_QUERY_MALFORMED);
    CHECK(amx_query_param(unit_pool, "emailaddress=a%4", "emailaddress", &v, &len)
          == AMX_QUERY_MALFORMED);
    /* A broken escape in another parameter's name is still malformed. */
    CHECK(amx_query_param(unit_pool, "x%=1&emailaddress=a", "emailaddress", &v, &len)
          == AMX_QUERY_MALFORMED);

    /* An encoded NUL survives decoding, so the address check can see it. */
    CHECK(amx_query_param(unit_pool, "emailaddress=a%00b%40c", "emailaddress", &v, &len)
          == AMX_QUERY_FOUND);
    CHECK(len == 5);
    CHECK(v[1] == '\0' && v[2] == 'b');
}
