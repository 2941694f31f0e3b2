/* Placeholder expansion. */
#include "unit.h"
#include "amx_placeholder.h"

void test_placeholder(void)
{
    amx_address a = { "jo@example.com", "jo", "example.com" };
    amx_address evil = { "%EMAILLOCALPART%@x.org", "%EMAILLOCALPART%", "x.org" };

    CHECK_STR(amx_placeholder_expand(unit_pool, "%EMAILADDRESS%", &a), "jo@example.com");
    CHECK_STR(amx_placeholder_expand(unit_pool, "%EMAILLOCALPART%", &a), "jo");
    CHECK_STR(amx_placeholder_expand(unit_pool, "imap.%EMAILDOMAIN%", &a), "imap.example.com");
    CHECK_STR(amx_placeholder_expand(unit_pool,
                                     "%EMAILLOCALPART%+%EMAILLOCALPART%/%EMAILDOMAIN%", &a),
              "jo+jo/example.com");
    CHECK_STR(amx_placeholder_expand(unit_pool, "plain", &a), "plain");
    CHECK_STR(amx_placeholder_expand(unit_pool, "100% %EMAIL% %%", &a), "100% %EMAIL% %%");
    CHECK_STR(amx_placeholder_expand(unit_pool, "%EMAILADDRESS", &a), "%EMAILADDRESS");
    CHECK_STR(amx_placeholder_expand(unit_pool, "%%EMAILDOMAIN%%", &a), "%example.com%");
    CHECK_STR(amx_placeholder_expand(unit_pool, "", &a), "");
    CHECK_STR(amx_placeholder_expand(unit_pool, NULL, &a), NULL);
    /* Without an address, nothing changes (Autoconfig leaves them in). */
    CHECK_STR(amx_placeholder_expand(unit_pool, "%EMAILADDRESS%", NULL), "%EMAILADDRESS%");
    /* Replacement text is never expanded again. */
    CHECK_STR(amx_placeholder_expand(unit_pool, "%EMAILADDRESS%", &evil),
              "%EMAILLOCALPART%@x.org");
}
